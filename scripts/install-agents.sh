#!/usr/bin/env bash
# Installs the three agent CLIs the `agents` tests drive (Claude Code, Codex
# CLI, Gemini CLI), at pinned versions, into .agents/ of the project. A
# folder that already holds exactly these versions is reused. Without node
# and npm it installs nothing, says why and exits 0: the agent tests then
# skip with that reason. A failed install exits 0 too (the tests skip), so a
# machine without the registry still runs the rest of the suite.
set -euo pipefail
cd "$(dirname "$0")/.."

prefix="${SYNK_AGENTS_DIR:-.agents}"
packages=(
    "@anthropic-ai/claude-code@2.1.197"
    "@openai/codex@0.171.0"
    "@google/gemini-cli@0.61.0"
)

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "install-agents: node/npm not found; agent CLIs not installed (the agents tests skip)"
    exit 0
fi

installed_version() {
    # The version in $prefix/node_modules/<name>/package.json, or nothing.
    local manifest="$prefix/node_modules/$1/package.json"
    [ -f "$manifest" ] || return 0
    node -e 'process.stdout.write(String(require(process.argv[1]).version || ""))' \
        "$(cd "$(dirname "$manifest")" && pwd)/package.json" 2>/dev/null || true
}

missing=()
for spec in "${packages[@]}"; do
    name="${spec%@*}"
    want="${spec##*@}"
    have="$(installed_version "$name")"
    [ "$have" = "$want" ] || missing+=("$spec")
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-agents: $prefix already holds ${packages[*]}"
    exit 0
fi

echo "install-agents: installing ${missing[*]} into $prefix (several hundred MB, once)"
mkdir -p "$prefix"
if ! npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "${packages[@]}"; then
    echo "install-agents: npm install failed; agent CLIs not installed (the agents tests skip)"
    exit 0
fi
echo "install-agents: installed ${packages[*]} into $prefix"
