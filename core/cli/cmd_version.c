/*
 * cmd_version.c - "cloudpatrol version".
 */
#include <config.h>

#include <stdio.h>

#include <cloudpatrol/plugin.h>

#include "cli.h"


int
cli_cmd_version(struct cli *cli, int argc, char **argv)
{
	if (argc > 1 && cli_is_help(argv[1])) {
		printf("%s", cli_text(cli,
		    "Usage: cloudpatrol [--json] version\n"
		    "Prints the version of cloudpatrol and of its plugin ABI.\n",
		    "使い方: cloudpatrol [--json] version\n"
		    "cloudpatrol とプラグイン ABI のバージョンを表示します。\n"));
		return CLI_OK;
	}
	if (argc > 1)
		return cli_usage(cli, "version", "version takes no argument");
	if (cli->json)
		return cli_print_json(json_pack("{s:s, s:i, s:i}", "version",
		    PACKAGE_VERSION, "abi_major", (int)CP_ABI_MAJOR,
		    "abi_minor", (int)CP_ABI_MINOR));
	printf("cloudpatrol %s (plugin ABI %u.%u)\n", PACKAGE_VERSION,
	    CP_ABI_MAJOR, CP_ABI_MINOR);
	return CLI_OK;
}
