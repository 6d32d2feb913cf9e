#!/usr/bin/env bash
# The web interface end to end in headless Chromium driven by playwright-core (issue 5).
#   bash tests/browser/run.sh /path/to/vanban /path/to/repo-root
# Makes the Lạng Sơn organisation in a temporary home with the real binary, starts
# `vanban web` on 127.0.0.1 (a free port), runs web.test.mjs (node:test) against it,
# stops the server with SIGTERM, then checks the PDF the browser downloaded with
# `vanban verify`, independently of the page. Screenshots and HTML of every failing test
# go to $VANBAN_ARTIFACTS (default REPO/build/browser-artifacts), listed on failure.
# Needs Debian's chromium, node >= 18 and tests/browser/node_modules (playwright-core,
# pinned in package.json): scripts/setup.sh installs them. Missing: FAIL, never a pass.
START=$SECONDS
source "$(dirname "$0")/../e2e/lib.sh"
TEST_NAME=browser
HERE="$ROOT/tests/browser"
CHROMIUM=${VANBAN_CHROMIUM:-/usr/bin/chromium}
ART=${VANBAN_ARTIFACTS:-$ROOT/build/browser-artifacts}

# --- what the tests need -------------------------------------------------------------
missing() { echo "FAIL: [browser] $* — run scripts/setup.sh (it installs chromium, nodejs, npm and playwright-core)" >&2; exit 1; }
[[ -x "$CHROMIUM" ]] || missing "no Chromium at $CHROMIUM (Debian package chromium)"
command -v node >/dev/null || missing "no node (Debian package nodejs)"
node_major=$(node -p 'process.versions.node.split(".")[0]')
((node_major >= 18)) || missing "node $(node --version) is too old (the pinned playwright-core needs 18 or later)"
pinned=$(node -p "require('$HERE/package.json').dependencies['playwright-core']")
installed=$(node -p "require('$HERE/node_modules/playwright-core/package.json').version" 2>/dev/null) ||
  missing "playwright-core is not installed in tests/browser/node_modules"
[[ "$installed" == "$pinned" ]] || missing "playwright-core $installed installed, $pinned pinned in tests/browser/package.json"

rm -rf "$ART" && mkdir -p "$ART" || die "cannot make the artefacts folder $ART"
OUTDIR="$TMP/out"
mkdir -p "$OUTDIR"

# --- the organisation, and a draft made with the CLI (for the CSRF test) ----------------
step "the organisation (giamdoc, chuyenvien, tp1, tp2, pgd, vanthu)"
setup_org "$TMP/home"
with_title "$SAMPLES/directive-2021-thi-dua.md" "$TMP/csrf.md" "Dự thảo để thử mã CSRF"
new_doc chuyenvien "$TMP/csrf.md"
DOC_CSRF=$DOC

# --- a bundle of several MiB, for the upload test (issue 13, item 5) ---------------------
# A long report drafted on a copy of the node (as another of its machines, the way the e2e
# tests copy a home) and exported for this organisation's nodes: the page imports it.
step "a 5 MiB bundle: a long report drafted on a copy of the node, bundle export"
cp -a "$H" "$TMP/copy" || die "cannot copy the node's home"
{
  printf -- '---\nkind: report\ntitle: Báo cáo dài gửi bằng gói dữ liệu\n---\n'
  # 5 MiB of whole lines (a cut inside a UTF-8 character would be refused).
  yes $'Sở Ngoại vụ tỉnh Lạng Sơn báo cáo kết quả công tác đối ngoại tại các cửa khẩu biên giới năm 2024.\n' |
    head -n 90000
} >"$TMP/long.md"
run "$VANBAN" --home "$TMP/copy" --json --as chuyenvien doc new "$TMP/long.md"
[[ $RC -eq 0 ]] || die "doc new of the long report failed"
DOC_BIG=$(jqo .id)
run "$VANBAN" --home "$TMP/copy" bundle export -o "$OUTDIR/long.bundle"
[[ $RC -eq 0 ]] || die "bundle export of the copy failed"
size=$(stat -c %s "$OUTDIR/long.bundle")
((size >= 5 * 1024 * 1024)) || die "the bundle is $size bytes, not 5 MiB"
ok
rm -rf "$TMP/copy"
CMD=""  # a failure from here on is not about the last CLI command: fail() shows none

# --- the server -------------------------------------------------------------------------
step "vanban web --listen 127.0.0.1:0"
# The server asks for no passphrase: each person gives theirs on the login page.
env -u VANBAN_PASSPHRASE "$VANBAN" --home "$H" --json web --listen 127.0.0.1:0 >"$TMP/web.out" 2>"$TMP/web.log" &
WEB_PID=$!
URL=""
for _ in $(seq 150); do  # at most 15 s
  URL=$(jq -r '.url // empty' "$TMP/web.out" 2>/dev/null)
  [[ -n "$URL" ]] && break
  kill -0 "$WEB_PID" 2>/dev/null || break
  sleep 0.1
done
[[ "$URL" =~ ^http://127\.0\.0\.1:[0-9]+/$ ]] ||
  die "vanban web printed no {\"url\": ...} within 15 s: $(cat "$TMP/web.out" "$TMP/web.log" 2>/dev/null | head -c 800)"
ok
echo "serving at $URL ($((SECONDS - START)) s after the start)"

# --- the browser ------------------------------------------------------------------------
step "node --test tests/browser/web.test.mjs (Chromium $("$CHROMIUM" --version 2>/dev/null | awk '{print $2}'), playwright-core $installed)"
t0=${EPOCHREALTIME/./}
# The whole run stays under 3 minutes: the browser gets what is left of 170 s (the server's
# stop and the verify after are bounded by seconds).
budget=$((170 - (SECONDS - START)))
((budget >= 60)) || budget=60
VANBAN_URL="$URL" VANBAN_PASS="$PASS" VANBAN_ARTIFACTS="$ART" VANBAN_OUT="$OUTDIR" VANBAN_CHROMIUM="$CHROMIUM" \
  VANBAN_DOC_CSRF="$DOC_CSRF" VANBAN_BUNDLE="$OUTDIR/long.bundle" VANBAN_DOC_BIG="$DOC_BIG" \
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
  timeout -k 5 "$budget" node --test --test-reporter=spec "$HERE/web.test.mjs"
node_rc=$?
echo "browser tests: $(( (${EPOCHREALTIME/./} - t0) / 1000 )) ms, exit $node_rc"
if ((node_rc == 0)); then ok; else
  ((node_rc == 124)) && fail "the browser tests did not finish within $budget s" || fail "the browser tests failed (exit $node_rc)"
fi

step "the server stops on SIGTERM"
kill -TERM "$WEB_PID" 2>/dev/null
for _ in $(seq 100); do kill -0 "$WEB_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$WEB_PID" 2>/dev/null; then
  fail "vanban web still running 10 s after SIGTERM"
else
  wait "$WEB_PID"
  assert_eq 0 "$?" "vanban web's exit status after SIGTERM"
fi

step "the documents on the node: the CLI's and those composed in the pages, no other"
vb --json doc list
want=$(printf '%s\n' "$DOC_CSRF" "$DOC_BIG" $(cat "$OUTDIR/composed" 2>/dev/null) | sort)
assert_eq "$want" "$(jqo '.[].id' | sort)" "documents on the node (a refused form or a forged POST made none; the bundle's report)"

# --- the downloaded PDF, checked without the browser -------------------------------------
step "vanban verify on the PDF the browser downloaded"
if [[ -f "$OUTDIR/issued.pdf" ]]; then
  vb --json verify "$OUTDIR/issued.pdf"
  assert_eq 0 "$RC" "vanban verify exit status"
  assert_jq .valid true "valid"
  assert_jq .number "$(cat "$OUTDIR/issued.number")" "the number the page showed"
  assert_jq '[.signatures[] | select(.valid) | .signer] | any(. == "Nông Đức Toàn")' true "signed by the deputy"
  assert_jq '[.signatures[] | .valid] | all' true "every signature valid"
  ID=$(cat "$OUTDIR/issued.id")
  assert_eq issued "$(state "$ID")" "the store says issued (doc show)"
else
  CMD="" fail "the browser downloaded no PDF (an earlier step failed)"
fi

if ((FAILS > 0)); then
  cp "$TMP/web.log" "$ART/web.log" 2>/dev/null
  echo "browser artefacts (screenshots, HTML, errors, server log) in $ART:" >&2
  ls -1 "$ART" | sed 's/^/  /' >&2
fi
finish
