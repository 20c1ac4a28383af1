# make run   — set up everything and start the service on its embedded defaults
# make test  — set up everything and run the tests
.PHONY: setup run test lint bench

setup:
	./scripts/setup.sh

run: setup
	.venv/bin/azx serve

test: setup lint
	.venv/bin/pytest -q -p no:cacheprovider

lint: setup
	.venv/bin/ruff check .
	.venv/bin/lint-imports
	.venv/bin/mypy domain api core rendering storage signing services workers cli

bench: setup
	.venv/bin/python benchmarks/run.py --weasyprint
