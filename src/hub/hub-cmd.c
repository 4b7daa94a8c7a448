/* The concordd program entry point. */
#include "hub.h"

int
main(int argc, char **argv)
{
	return hub_main(argc, argv);
}
