#include "CCurlShim.h"
int ccw_placeholder(void) { return 0; }
