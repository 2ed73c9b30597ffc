# The few commands a contributor runs.
.PHONY: install test fast lint bench demo docs

install:
	python3 -m pip install -e '.[test]'

test:
	python3 -m pytest -q

# the fast lane: no server, well under a minute (CONTRIBUTING.md)
fast:
	python3 -m pytest -q -m "not slow"

lint:
	ruff check controlcheck tests benchmarks scripts

bench:
	python3 benchmarks/bench_check.py
	python3 benchmarks/bench_collect_ssh.py
	python3 benchmarks/bench_collect_snmp.py
	python3 benchmarks/bench_assess.py
	python3 benchmarks/bench_reports.py
	python3 benchmarks/bench_celery.py

demo:
	controlcheck demo

docs:
	python3 scripts/gen_controls_doc.py
