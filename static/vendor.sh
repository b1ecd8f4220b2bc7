#!/usr/bin/env bash
# Re-fetch the browser assets under static/vendor/ at their pinned versions.
#
# For maintainers only: the build never runs this, the files are committed so that
# the web app works on networks with no internet. Needs npm (registry access),
# tar, openssl and sed. Each tarball is checked against the integrity recorded
# below (and in static/VENDORED.md) before anything is copied.
#
# Usage: bash static/vendor.sh          # rewrites static/vendor/<pkg>/<version>/
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dest="$here/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# fetch NAME VERSION INTEGRITY: npm pack, verify, extract; prints the package dir.
fetch() {
    local name=$1 version=$2 want=$3 dir tgz got
    dir="$work/$(echo "$name" | tr '/@' '__')"
    mkdir -p "$dir"
    (cd "$dir" && npm pack --silent "$name@$version" >/dev/null)
    tgz=$(ls "$dir"/*.tgz)
    got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
    if [[ "$got" != "$want" ]]; then
        echo "integrity mismatch for $name@$version: got $got" >&2
        exit 1
    fi
    tar -xzf "$tgz" -C "$dir"
    echo "$dir/package"
}

# put SRC TARGET FILE...: copy FILEs (paths relative to SRC, globs allowed) under TARGET.
put() {
    local src=$1 target=$2 pattern file
    shift 2
    for pattern in "$@"; do
        for file in "$src"/$pattern; do
            [[ -e "$file" ]] || { echo "missing: $file" >&2; exit 1; }
            mkdir -p "$target/$(dirname "${file#"$src"/}")"
            cp "$file" "$target/${file#"$src"/}"
        done
    done
}

# fresh NAME VERSION: empty and return static/vendor/NAME/VERSION.
fresh() {
    rm -rf "${dest:?}/$1/$2"
    mkdir -p "$dest/$1/$2"
    echo "$dest/$1/$2"
}

pkg=$(fetch leaflet 1.9.4 \
    'sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA==')
put "$pkg" "$(fresh leaflet 1.9.4)" LICENSE dist/leaflet.js dist/leaflet.css 'dist/images/*.png'

pkg=$(fetch jquery 3.7.1 \
    'sha512-m4avr8yL8kmFN8psrbFFFmB/If14iN5o9nw/NgnnM+kybDJpRsAynV2BsfpTYrTRysYUdADVD7CkUUizgkpLfg==')
put "$pkg" "$(fresh jquery 3.7.1)" LICENSE.txt dist/jquery.min.js

pkg=$(fetch bootstrap 5.2.2 \
    'sha512-dEtzMTV71n6Fhmbg4fYJzQsw1N29hJKO1js5ackCgIpDcGid2ETMGC6zwSYw09v05Y+oRdQ9loC54zB1La3hHQ==')
put "$pkg" "$(fresh bootstrap 5.2.2)" LICENSE dist/css/bootstrap.min.css \
    dist/js/bootstrap.bundle.min.js

pkg=$(fetch @fortawesome/fontawesome-free 6.2.0 \
    'sha512-CNR7qRIfCwWHNN7FnKUniva94edPdyQzil/zCwk3v6k4R6rR2Fr8i4s3PM7n/lyfPA6Zfko9z5WDzFxG9SW1uQ==')
put "$pkg" "$(fresh fontawesome-free 6.2.0)" LICENSE.txt css/all.min.css \
    'webfonts/*.woff2' 'webfonts/*.ttf'

pkg=$(fetch leaflet.awesome-markers 2.0.5 \
    'sha512-Ne/xDjkGyaujwNVVkv2tyXQUV0ZW7gZ0Mo0FuQY4jp2qWrvXi0hwDBvmZyF/8YOvybyMabTMM/mFWCTd1jZIQA==')
put "$pkg" "$(fresh leaflet.awesome-markers 2.0.5)" LICENSE \
    dist/leaflet.awesome-markers.js dist/leaflet.awesome-markers.css 'dist/images/*.png'

# Only the Glyphicons rules of Bootstrap 3 (folium's default marker icons use them);
# the whole of Bootstrap 3 would fight with Bootstrap 5 on the same page.
pkg=$(fetch glyphicons-only-bootstrap 1.0.1 \
    'sha512-A1zP7yDUC/3+GUFbVTaTw9X2xZWNPLMp0BOsAmkLoWmo1KaNpG1qGdPYo8JnzwGueJ2HQAYvlP9S9OcmcObzHA==')
put "$pkg" "$(fresh glyphicons-only-bootstrap 1.0.1)" package.json css/bootstrap.min.css \
    'fonts/glyphicons-halflings-regular.*'

pkg=$(fetch leaflet.vectorgrid 1.3.0 \
    'sha512-kWmj1pKM+MVdo/7Mg5zsB3YrGZvo/uIuiANV9MvWUFOG+Y2xAJzrteDhoIcCgTjHSSRJ36xdeGdIQVhuWjnCZw==')
target=$(fresh leaflet.vectorgrid 1.3.0)
put "$pkg" "$target" README.md dist/Leaflet.VectorGrid.bundled.min.js
# Leaflet 1.8 removed L.DomEvent.fakeStop, so a click on a canvas-rendered feature
# threw a TypeError. stopPropagation keeps the click from also reaching the map,
# which is what fakeStop did under Leaflet 1.7.
bundle="$target/dist/Leaflet.VectorGrid.bundled.min.js"
[[ $(grep -o 'L\.DomEvent\.fakeStop(' "$bundle" | wc -l) == 1 ]] || {
    echo "leaflet.vectorgrid: expected exactly one fakeStop call to patch" >&2
    exit 1
}
sed -i 's/L\.DomEvent\.fakeStop(/L.DomEvent.stopPropagation(/' "$bundle"

# folium's MarkerCluster / FastMarkerCluster; bench/map.py uses it for its reference page.
pkg=$(fetch leaflet.markercluster 1.5.3 \
    'sha512-vPTw/Bndq7eQHjLBVlWpnGeLa3t+3zGiuM7fJwCkiMFq+nmRuG3RI3f7f4N4TDX7T4NpbAXpR2+NTRSEGfCSeA==')
put "$pkg" "$(fresh leaflet.markercluster 1.5.3)" MIT-LICENCE.txt dist/leaflet.markercluster.js \
    dist/MarkerCluster.css dist/MarkerCluster.Default.css

# Drawing and vertex editing on the boundary editor page (/units/<code>/edit).
pkg=$(fetch @geoman-io/leaflet-geoman-free 2.20.2 \
    'sha512-KQpSe0VKyuVCudq/08rMjJW1vvIwFldTwBny2wZ7ABcyyUAP7/eoFo967hCu9yRqAAHb4QOxC6gY5dGqttY68g==')
put "$pkg" "$(fresh leaflet-geoman-free 2.20.2)" LICENSE dist/leaflet-geoman.min.js \
    dist/leaflet-geoman.css

# folium's Icon(angle=N) adds the class fa-rotate-N; folium serves the matching rules
# from a CDN, so they are generated here instead (one rule per whole degree).
target=$(fresh folium 0.20.0)
for deg in $(seq 0 359); do
    printf '.fa-rotate-%d{transform:rotate(%ddeg)}\n' "$deg" "$deg"
done >"$target/leaflet.awesome.rotate.css"

echo "vendored into $dest"
(cd "$dest" && find . -type f | sort)
