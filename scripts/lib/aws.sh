# Shared by scripts/test and scripts/bench (sourced, not run): pinned Python
# tools in cached venvs, and moto (server mode) on a free loopback port,
# stopped on every exit path of the script that started it.
# Cache: $SLIPS_TEST_CACHE (default ~/.cache/slips-test).

MOTO_VERSION=5.2.5
CFN_LINT_VERSION=1.58.0
CHECKOV_VERSION=3.3.30

cache="${SLIPS_TEST_CACHE:-$HOME/.cache/slips-test}"
mkdir -p "$cache"

# A venv with the given packages, rebuilt only when the pinned set changes.
venv() {
    local dir="$cache/$1"; shift
    local want="$*"
    if [[ ! -x "$dir/bin/python" || "$(cat "$dir/.installed" 2>/dev/null)" != "$want" ]]; then
        echo "slips scripts: installing $want into $dir" >&2
        rm -rf "$dir"
        python3 -m venv "$dir"
        "$dir/bin/pip" install --quiet --disable-pip-version-check "$@"
        echo "$want" > "$dir/.installed"
    fi
}
# checkov pins an old boto3 that breaks moto, so it gets its own venv.
aws_venv() { venv aws-venv "moto[server]==$MOTO_VERSION" "cfn-lint==$CFN_LINT_VERSION"; }
checkov_venv() { venv checkov-venv "checkov==$CHECKOV_VERSION"; }

# Starts moto and points the AWS SDK at it, with dummy credentials.
start_moto() {
aws_venv
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
moto_log="$cache/moto.log"
"$cache/aws-venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$moto_log" 2>&1 &
moto_pid=$!
trap 'kill "$moto_pid" 2>/dev/null; wait "$moto_pid" 2>/dev/null || true' EXIT INT TERM

endpoint="http://127.0.0.1:$port"
# Wait for moto, then turn off its Docker Lambda backend before any function exists.
python3 - "$endpoint" <<'PY'
import json, sys, time, urllib.request
endpoint = sys.argv[1]
deadline = time.time() + 30
while True:
    try:
        urllib.request.urlopen(endpoint + "/moto-api/", timeout=1)
        break
    except Exception:
        if time.time() > deadline:
            sys.exit(f"moto did not start at {endpoint}")
        time.sleep(0.1)
request = urllib.request.Request(
    endpoint + "/moto-api/config",
    data=json.dumps({"lambda": {"use_docker": False}}).encode(),
    headers={"Content-Type": "application/json"},
    method="POST",
)
urllib.request.urlopen(request, timeout=5)
PY

export AWS_ENDPOINT_URL="$endpoint"
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
# Never reach for a real profile or instance metadata from tests.
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
}
