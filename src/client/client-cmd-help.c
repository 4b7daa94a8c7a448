/* /help: show the console's help (the console's own). */
#include "client.h"

const struct client_cmd_entry client_cmd_help_entry = {
	.name = "help",
	.usage = "help (or ?)",
	.opts = "",
	.args = "",
	.flags = CLIENT_CMD_NOCLI
};
