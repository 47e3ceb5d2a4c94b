/*
 * cmd_help.c - `tidepatch help [<command>]` and `tidepatch version`.
 *
 * Help for a command is that command's own --help, so the text lives in
 * one place: the command's option table.
 */
#include <stdio.h>

#include "cli.h"

int cmd_help(struct tp_cli *cli, int argc, char **argv)
{
	char *sub[] = { NULL, "--help", NULL };

	if (argc < 2) {
		printf("usage: tidepatch [-v | -q] [--format <fmt>] "
		       "[--color <when>] <command> [<args>]\n\n");
		tp_cli_list_commands(stdout);
		return TP_EXIT_OK;
	}
	if (argc > 2) {
		tp_cli_error(cli, "help takes one command name");
		return TP_EXIT_USAGE;
	}
	sub[0] = argv[1];
	return tp_cli_run_command(cli, argv[1], 2, sub);
}

int cmd_version(struct tp_cli *cli, int argc, char **argv)
{
	(void)cli;
	(void)argv;
	if (argc > 1) {
		tp_cli_error(cli, "version takes no arguments");
		return TP_EXIT_USAGE;
	}
	printf("tidepatch %s\n", TP_VERSION);
	return TP_EXIT_OK;
}
