/* testpmd's macswap as a C stage (`--stage bench/stage_macswap.c:macswap`): the engine's cost
 * per stage call, without numba, for bench/run.py's stage_macswap_c row. */
#include <string.h>

int64_t macswap(uint8_t *data, int64_t length, int64_t port)
{
    uint8_t t[6];

    (void)port;
    if (length >= 12) {
        memcpy(t, data, 6);
        memcpy(data, data + 6, 6);
        memcpy(data + 6, t, 6);
    }
    return -2;
}
