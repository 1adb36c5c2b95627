// Debian's OpenBLAS (libopenblas-dev): the CBLAS interface and the thread-count setter.
#include <cblas.h>
