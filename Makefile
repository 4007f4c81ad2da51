# The two commands a new machine needs: `make up` (the local cluster on the embedded store and
# bus, with the demo in examples/ applied) and `make test` (install everything, start real
# etcd and Kafka, run the whole suite).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: up test chaos bench bench-full install engines lint protos protos-check clean

up: $(STAMP)
	$(BIN)/sigma up --demo examples

test: $(STAMP) engines
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python scripts/gen_protos.py --check
	$(BIN)/python scripts/suite.py

bench: $(STAMP) engines
	$(BIN)/sigma bench scheduler --json
	$(BIN)/sigma bench pod-life --json
	$(BIN)/sigma bench kube --json
	$(BIN)/sigma bench batch --json
	$(BIN)/sigma sim --machines 20 --hours 2 --out sim-bench

# The replay's target: the whole 4,034-machine topology over one simulated day.
bench-full: $(STAMP)
	$(BIN)/sigma sim --hours 24 --warmup 6 --out /tmp/sim-full --progress

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

engines:
	bash scripts/install-engines.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

protos: $(STAMP)
	$(BIN)/python scripts/gen_protos.py

protos-check: $(STAMP)
	$(BIN)/python scripts/gen_protos.py --check

clean:
	rm -rf $(VENV) .engines .pytest_cache .ruff_cache

# The fault-injection suite at full size (2,000 pods, three replicas of every tier, every fault);
# `make test` runs it reduced. The figures are printed at the end and written to chaos.json.
chaos: $(STAMP) engines
	SIGMA_CHAOS=full SIGMA_CHAOS_REPORT=$(CURDIR)/chaos.json \
		$(BIN)/python -m pytest tests/chaos -q -p no:cacheprovider -s

# Faults the way clusters fail, at full size: a 3-member etcd and a 3-broker Kafka under steady
# load, the etcd leader killed -9 and hung 30 s (SIGSTOP), an informer's member hung, a Kafka
# partition leader killed and restarted (under the bus and under the apiserver's change stream),
# every tier started with an etcd member down; then network partitions in namespaces of their
# own (a slave cut off from the masters, a scheduler from etcd, a colocator from Kafka) and a
# paused scheduler. `make test` runs them reduced. The figures are printed at the end and
# written to chaos-cluster.json and chaos-cluster-partition.json. More fault suites join by
# adding their folder to CHAOS_CLUSTER_TESTS.
CHAOS_CLUSTER_TESTS := tests/integration/quorum tests/partition

.PHONY: chaos-cluster
chaos-cluster: $(STAMP) engines
	SIGMA_CHAOS=full SIGMA_CHAOS_REPORT=$(CURDIR)/chaos-cluster.json \
		$(BIN)/python -m pytest $(CHAOS_CLUSTER_TESTS) -q -p no:cacheprovider -s

# The soak at full size: 30 minutes of steady churn (Apps scaled and upgraded, batch jobs
# submitted, pods deleted) on real tier processes over etcd and Kafka, every tier's asyncio tasks,
# open fds and RSS sampled every 30 s; `make test` runs it for about a minute. Samples and
# trends go to soak.json; `scripts/soak_chart.py soak.json docs/soak` draws them.
.PHONY: soak
soak: $(STAMP) engines
	SIGMA_SOAK=full SIGMA_SOAK_REPORT=$(CURDIR)/soak.json \
		$(BIN)/python -m pytest tests/soak -q -p no:cacheprovider -s

# Every RPC of every tier under many more random, hostile and corrupted requests than the
# `make test` run (tests/fuzz; SIGMA_FUZZ_EXAMPLES examples per RPC and kind of input).
.PHONY: fuzz
fuzz: $(STAMP)
	SIGMA_FUZZ_EXAMPLES=$${SIGMA_FUZZ_EXAMPLES:-500} \
		$(BIN)/python -m pytest tests/fuzz -q -p no:cacheprovider

# The cluster under docker compose on a project-local Docker Engine (README "Under docker
# compose"): images built from Debian packages and PyPI, every container on the host network,
# two schedulers and three slaves; sigmactl reaches the apiserver at 127.0.0.1:7070.
COMPOSE := compose/images/docker.sh docker compose --env-file compose/images/local.env \
	-f compose/docker-compose.yml -f compose/docker-compose.host.yml
.PHONY: compose-images compose-up compose-down
compose-images: engines
	compose/images/docker.sh start
	bash compose/images/build.sh

compose-up: compose-images
	$(COMPOSE) up --detach --wait --scale scheduler=2 --scale slave=3
	$(COMPOSE) ps

compose-down:
	$(COMPOSE) down -v
	compose/images/docker.sh stop
