/* /search TEXT: find TEXT in the timeline (the console's own). */
#include "client.h"

const struct client_cmd_entry client_cmd_search_entry = {
	.name = "search",
	.usage = "search TEXT (or / in the timeline)",
	.opts = "",
	.args = "TEXT...",
	.flags = CLIENT_CMD_NOCLI
};
