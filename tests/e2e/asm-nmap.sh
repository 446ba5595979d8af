#!/bin/sh
# asm-nmap.sh - asm-scan.sh with the nmap -sT -sV cross-check (plain build).
CP_ASM_NMAP=1
export CP_ASM_NMAP
. "$CP_TOP_SRCDIR/tests/e2e/asm-scan.sh"
