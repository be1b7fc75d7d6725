#!/bin/sh
# Regenerates docs/screenshots/<view>-<W>x<H>.png with the real window, offscreen: every registered view at the
# default size (1600x1000) and at the smallest supported one (800x600). Fresh settings for each picture, so a
# remembered column width or theme does not leak in. Run from the source tree after building `quantlens`.
#   tests/ui/make_screenshots.sh [build/bin/quantlens] [docs/screenshots]
set -eu
bin=${1:-build/bin/quantlens}
out=${2:-docs/screenshots}
sample=resources/sample/mamba2-small.pt
tensor=layers.0.mamba.in_proj.weight
mkdir -p "$out"
for size in 1600x1000 800x600; do
    for view in table tensor scales luts shards compare evaluate; do
        config=$(mktemp -d)
        set -- --open "$sample" --view "$view" --select "$tensor" --size "$size"
        if [ "$view" = compare ]; then
            set -- "$@" --compare tests/data/legacy-format.pt
        fi
        QT_QPA_PLATFORM=offscreen XDG_CONFIG_HOME="$config" "$bin" "$@" --screenshot "$out/$view-$size.png"
        rm -rf "$config"
        echo "$out/$view-$size.png"
    done
done
