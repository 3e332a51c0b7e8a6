// libqrencode (Debian libqrencode-dev), the peer of the QR benchmark.
#include <qrencode.h>
