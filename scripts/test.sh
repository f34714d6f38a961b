#!/usr/bin/env bash
# The whole test suite, from a bare machine: brings the programs the tests
# drive (tmux, vim, less, top, git, the agent CLIs), a virtualenv with synk and its dev
# tools, then lint, types and tests. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
for tool in tmux:tmux vim:vim less:less top:procps git:git ps:procps; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool##*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "installing Debian packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

venv="${SYNK_TEST_VENV:-.venv}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check -e '.[dev]'

echo "== ruff"
"$venv/bin/ruff" check synk_tui tests benchmarks
"$venv/bin/ruff" format --check synk_tui tests benchmarks
echo "== mypy"
"$venv/bin/mypy"
echo "== agent CLIs"
# The `agents` tests drive the real Claude Code, Codex and Gemini CLIs against
# a fake model on 127.0.0.1; without node/npm they skip and say why.
./scripts/install-agents.sh

echo "== pytest"
exec "$venv/bin/python" -m pytest "$@"
