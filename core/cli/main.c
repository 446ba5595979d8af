#include <stdio.h>
int main(void) { puts("cloudpatrol"); return 0; }
