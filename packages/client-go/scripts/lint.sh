#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# gofmt must have nothing to say; go vet for linux and darwin; the darwin cgo check.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
unformatted="$(gofmt -l .)"
if [[ -n "$unformatted" ]]; then
  echo "lint: gofmt would change these files (run gofmt -w .):" >&2
  echo "$unformatted" >&2
  exit 1
fi
go vet ./...
bash scripts/check-darwin.sh
