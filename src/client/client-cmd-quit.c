/* /quit: leave the console (the console's own). */
#include "client.h"

const struct client_cmd_entry client_cmd_quit_entry = {
	.name = "quit",
	.usage = "quit (or Ctrl-C)",
	.opts = "",
	.args = "",
	.flags = CLIENT_CMD_NOCLI
};
