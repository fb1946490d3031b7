#!/bin/bash
# The partition map page carries its stylesheets and script inline (so a
# fresh browser draws the year without a fetch) and its
# Content-Security-Policy allows exactly those blocks by their SHA-256
# hashes: no 'unsafe-inline', no nonce, every executable inline block is a
# compiled-in asset byte for byte, and the hashes listed are exactly the
# blocks the page holds. Values from the DAG file and the request (a
# description, the range's from/to) stay escaped. Every other page keeps
# the policy without any hash, and /static/ still serves the assets.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"

web_home
printf 'dags_paused_at_creation: true\n' >> "$H/sluice.yaml"
XSS='</script><script>alert(1)</script><style>body{display:none}</style><img src=x onerror=alert(2)>'
cat > "$H/dags/pm.yaml" <<YAML
dag: pm
description: "desc $XSS"
schedule: "@hourly"
timezone: UTC
start: $(date -u -d "@$(( $(date +%s) / 3600 * 3600 - 72 * 3600 ))" +%Y-%m-%dT%H:%M:%SZ)
tasks:
  a: {command: "true"}
YAML
# every minute for 60 days: 86,400 cells, past the largest picture the
# page carries (map_image.c)
cat > "$H/dags/minutely.yaml" <<YAML
dag: minutely
schedule: "* * * * *"
start: $(date -u -d "@$(( $(date +%s) / 60 * 60 - 60 * 86400 ))" +%Y-%m-%dT%H:%M:%SZ)
tasks:
  a: {command: "true"}
YAML
start_standalone
login viewer "$VIEWER_PW" "$T/jar"
BASE_CSP="default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

# csp_check HEADERS PAGE SCRIPTS STYLES: the page's executable inline
# scripts and its <style> blocks are SCRIPTS and STYLES in number, each is
# one of web/assets/ byte for byte (or the map picture's size in cells),
# and the CSP lists exactly their
# hashes next to 'self' (and nothing that lets other inline code run)
csp_check() {
	/usr/bin/python3 - "$1" "$2" "$3" "$4" "$SLUICE_SRCDIR/web/assets" <<'PY'
import base64, hashlib, os, re, sys
headers, page, nscripts, nstyles, assets = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
html = open(page, 'rb').read()
csp = [l.split(':', 1)[1].strip() for l in open(headers, encoding='latin-1').read().splitlines()
       if l.lower().startswith('content-security-policy:')]
assert len(csp) == 1, 'one CSP header: %r' % csp
dirs = {}
for d in csp[0].split(';'):
    words = d.split()
    if words:
        assert words[0] not in dirs, 'directive twice: ' + words[0]
        dirs[words[0]] = words[1:]
for name, srcs in dirs.items():
    for s in srcs:
        assert s not in ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "'strict-dynamic'", '*') \
            and not s.startswith("'nonce-"), '%s allows %s' % (name, s)
known = {open(os.path.join(assets, f), 'rb').read() for f in os.listdir(assets) if f.endswith(('.js', '.css'))}
scripts, styles = [], []
for m in re.finditer(rb'<script\b([^>]*)>(.*?)</script\s*>', html, re.S | re.I):
    attrs, body = m.group(1), m.group(2)
    if re.search(rb'\bsrc=', attrs):
        assert body == b'', 'a script with src and a body'
    elif re.fullmatch(rb'\s+type="application/json"(\s+id="[a-z-]+")?\s*', attrs):
        pass    # a data block: never run
    else:
        assert attrs.strip() == b'', 'an inline script with attributes %r' % attrs
        scripts.append(body)
for m in re.finditer(rb'<style\b([^>]*)>(.*?)</style\s*>', html, re.S | re.I):
    assert m.group(1).strip() == b'', 'a style block with attributes'
    styles.append(m.group(2))
# every other opening tag of either kind was matched above
assert len(re.findall(rb'<script\b', html, re.I)) == len(re.findall(rb'</script\s*>', html, re.I)), 'unbalanced <script>'
assert len(re.findall(rb'<style\b', html, re.I)) == len(styles), 'a <style> not closed as parsed'
assert (len(scripts), len(styles)) == (nscripts, nstyles), \
    'inline scripts, styles: %d, %d (expected %d, %d)' % (len(scripts), len(styles), nscripts, nstyles)
# the one block of the page's own: the map picture's size in cells,
# numbers only (web/map_image.c)
sizes = [b for b in styles if re.fullmatch(rb'#map-img\{--cols:[0-9]+;--rows:[0-9]+\}', b)]
assert len(sizes) <= 1, 'more than one size block'
for b in scripts + styles:
    assert b in known or b in sizes, 'an inline block that is not a compiled-in asset: %r' % b[:80]
h = lambda b: "'sha256-" + base64.b64encode(hashlib.sha256(b).digest()).decode() + "'"
for name, blocks in (('script-src', scripts), ('style-src', styles)):
    srcs = dirs[name]
    assert srcs[0] == "'self'", name + ' starts with self'
    assert sorted(srcs[1:]) == sorted(h(b) for b in blocks), \
        '%s lists %s, the page holds %s' % (name, srcs[1:], sorted(h(b) for b in blocks))
print('inline scripts %d, styles %d, CSP %s' % (len(scripts), len(styles), csp[0][:120]))
PY
}

# --- the map page: map.js, app.css and map.css inline, allowed by hash ---
code=$(curl -sS -D "$T/h1" -o "$T/p1" -w '%{http_code}' -b "$T/jar" "$URL/dags/pm/map")
assert_eq 200 "$code" "the map page"
csp_check "$T/h1" "$T/p1" 1 3 || fail "the map page's CSP and its inline blocks"
assert_contains "$(cat "$T/p1")" '<img id="map-img" class="map-img hourly"' "the map's picture for the first frame"
assert_contains "$(cat "$T/p1")" '<script type="application/json" id="map-data">{"dag":"pm"' "the default range's map in the page"
assert_not_contains "$(cat "$T/h1")" "unsafe-inline" "no unsafe-inline"
# the same hashes on every load (computed once, from the compiled-in bytes)
curl -sS -D "$T/h1b" -o /dev/null -b "$T/jar" "$URL/dags/pm/map"
assert_eq "$(grep -i '^content-security-policy:' "$T/h1")" "$(grep -i '^content-security-policy:' "$T/h1b")" "the same CSP each time"

# --- a map too large for a picture: none, and no size block; the script
# draws it from the data block ---
code=$(curl -sS -D "$T/h6" -o "$T/p6" -w '%{http_code}' -b "$T/jar" "$URL/dags/minutely/map")
assert_eq 200 "$code" "the minutely map page"
csp_check "$T/h6" "$T/p6" 1 2 || fail "the minutely map page's CSP and its inline blocks"
assert_not_contains "$(cat "$T/p6")" 'id="map-img"' "86,400 cells: no picture"
assert_contains "$(cat "$T/p6")" '"count":864' "the map's data is in the page"

# --- hostile values stay text: the description, and from/to in the URL ---
page=$(cat "$T/p1")
assert_not_contains "$page" "<script>alert" "the description"
assert_not_contains "$page" "<img src=x" "the description"
assert_contains "$page" "desc &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" "the description, escaped"
code=$(curl -sS -D "$T/h2" -o "$T/p2" -w '%{http_code}' -b "$T/jar" "$URL/dags/pm/map?from=$(pct "$XSS")&to=$(pct "\"><script>alert(3)</script>")")
assert_eq 200 "$code" "a range naming nothing still shows the page"
csp_check "$T/h2" "$T/p2" 1 2 || fail "the map page's CSP with hostile from/to"
page=$(cat "$T/p2")
assert_not_contains "$page" "<script>alert" "from/to"
assert_not_contains "$page" "<img src=x" "from/to"
assert_not_contains "$page" "<style>body" "from/to"
assert_contains "$page" 'data-from="&lt;/script&gt;&lt;script&gt;alert(1)' "from, escaped in the attribute"
assert_contains "$page" 'data-to="&quot;&gt;&lt;script&gt;alert(3)' "to, escaped in the attribute"

# --- other pages: the policy without any hash, assets linked ---
for path in / /dags/pm /dags/pm/graph /datasets /backfills /audit; do
	code=$(curl -sS -D "$T/h3" -o "$T/p3" -w '%{http_code}' -b "$T/jar" "$URL$path")
	assert_eq 200 "$code" "$path"
	assert_eq "Content-Security-Policy: $BASE_CSP" "$(grep -i '^content-security-policy:' "$T/h3" | tr -d '\r')" "$path: the CSP has no hash"
	csp_check "$T/h3" "$T/p3" 0 0 || fail "$path has an inline block"
	assert_contains "$(cat "$T/p3")" '<link rel="stylesheet" href="/static/app.css">' "$path links app.css"
done
# the login page (no session) too
curl -sS -D "$T/h4" -o "$T/p4" "$URL/login"
csp_check "$T/h4" "$T/p4" 0 0 || fail "the login page has an inline block"

# --- /static/ still serves them, as they are inlined ---
for f in map.js map.css app.css app.js; do
	curl -sS -D "$T/h5" -o "$T/asset" "$URL/static/$f"
	cmp -s "$T/asset" "$SLUICE_SRCDIR/web/assets/$f" || fail "/static/$f is not web/assets/$f"
	assert_eq "Content-Security-Policy: $BASE_CSP" "$(grep -i '^content-security-policy:' "$T/h5" | tr -d '\r')" "/static/$f: the CSP has no hash"
done
echo "web_map_csp: ok"
