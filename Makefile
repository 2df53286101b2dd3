# SPDX-License-Identifier: Apache-2.0
# The two commands of the README. Both install what is missing first.
.PHONY: start test bootstrap

start: bootstrap
	npm start

test: bootstrap
	npm test

bootstrap:
	bash tools/bootstrap.sh
