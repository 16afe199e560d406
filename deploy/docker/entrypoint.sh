#!/bin/sh
# The image of one service: `serve` (default) or `migrate`.
set -e
exec python -m "switchboard.${SB_SERVICE:?SB_SERVICE is not set}" "${@:-serve}"
