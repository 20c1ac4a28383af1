# make run   — set up everything and start the service on its embedded defaults
# make test  — set up everything and run the tests
.PHONY: setup setup-tests run test lint check bench

setup:
	./scripts/setup.sh

setup-tests:  # and what only the tests use (LibreOffice)
	./scripts/setup.sh --tests

run: setup
	.venv/bin/azx serve

# The tests in two processes, then the fault and many-machine tests (which kill processes, stop
# the object store and time a cluster) alone. Both parts always run; either failing fails.
test: setup-tests
	$(MAKE) --no-print-directory check
	.venv/bin/pytest -q -p no:cacheprovider -n 2 -m "not distributed and not faults"; a=$$?; \
	.venv/bin/pytest -q -p no:cacheprovider -m "distributed or faults"; b=$$?; \
	test $$a -eq 0 && test $$b -eq 0

lint: setup
	$(MAKE) --no-print-directory check

check:
	.venv/bin/ruff check .
	.venv/bin/lint-imports
	.venv/bin/mypy domain api core rendering storage signing services workers cli

bench: setup
	.venv/bin/python benchmarks/run.py --weasyprint
