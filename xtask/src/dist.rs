//! Builds the distributable `dist/`: `accord.js` (wasm-bindgen's glue and our loader in one
//! function scope, with the stylesheet minified by esbuild inside it, minified by terser) and
//! `accord_bg.wasm` (optimised by wasm-opt); prints their sizes and fails when over the budget.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use flate2::write::GzEncoder;
use flate2::Compression;

use crate::boundary;
use crate::lowmem;
use crate::order;
use crate::setup::run;
use crate::traps;
use crate::{root, Result};

/// Where the distributable wasm is compiled (with its own standard library build).
const DIST_TARGET: &str = "target/dist-wasm";

/// What rustc 1.95 emits without reference types (see `build`), and every current browser runs.
const WASM_FEATURES: [&str; 4] = [
    "--enable-bulk-memory",
    "--enable-multivalue",
    "--enable-sign-ext",
    "--enable-nontrapping-float-to-int",
];

/// Pieces of wasm-bindgen's glue the loader does not use: each with what replaces it and why.
const GLUE_CUTS: [(&str, &str, &str); 3] = [
    (
        // The loader compiles the wasm itself and instantiates it with `initSync`, so the
        // async init (a fetch, instantiateStreaming and their fallbacks) is dropped: exported
        // without it, terser removes it as dead code.
        "return Object.assign(__wbg_init, { initSync }, exports);",
        "return Object.assign({ initSync }, exports);",
        "the async init",
    ),
    (
        // The script's own URL, which only the async init used (to find the wasm beside it).
        "    let script_src;
    if (typeof document !== 'undefined' && document.currentScript !== null) {
        script_src = new URL(document.currentScript.src, location.href).toString();
    }
",
        "    let script_src;
",
        "the script's URL",
    ),
    (
        // The loader calls `initSync({ module })`: the older form, the module alone, is not used.
        "        if (module !== undefined) {
            if (Object.getPrototypeOf(module) === Object.prototype) {
                ({module} = module)
            } else {
                console.warn('using deprecated parameters for `initSync()`; pass a single object instead')
            }
        }
",
        "        ({ module } = module);
",
        "initSync's older parameters",
    ),
];

/// Inline a function that has one caller only when it is tiny (at most 20 Binaryen
/// expressions). By default -Oz inlines every single-caller function whatever its size: boot
/// swallowed the config reader and validator. Left as calls, the wasm is 1.9 KB larger raw but
/// 3.8 KB smaller after gzip (89,736 to 85,954 B on 2026-11-24); of the limits from 10 to 200,
/// 20 compressed best (and still did on 2026-11-30, after the Relooper). Boot's time at 4x
/// throttling did not measurably change. Every -Oz run of the build uses it.
const ONE_CALLER_INLINE: &str = "--one-caller-inline-max-function-size=20";

/// wasm-opt's passes on the wasm whose boundary names are minified. `--low-memory-unused`:
/// nothing lives in the first 1 KB of memory (see lowmem.rs, which checks the data's
/// addresses), so constant parts of addresses fold into loads' and stores' offsets. Then the
/// control flow of every function rebuilt by the Relooper (`--flatten --rereloop`, and -Oz
/// again to tidy up what that leaves), and GUFA's whole-module analysis of which values can
/// reach where: 1,685 B raw and 424 B of gzip -9 less on 2026-11-30. Both run twice since
/// 2026-12-04 (what GUFA leaves rebuilt and analysed again): 22 B raw, 92 of gzip -9, 100 of
/// zopfli and 16 of brotli less, where a third round cost 87, 56 and 103 (by where the
/// functions land, more than by their bytes). Other passes (const-hoisting,
/// merge-similar-functions, local-cse, code-folding, coalesce-locals-learning, dae2,
/// monomorphize, flatten without the Relooper), and LLVM's merge-functions and
/// inline-threshold 0, saved nothing or cost bytes (docs/performance-history.md).
const OPTIMIZE: [&str; 14] = [
    "--low-memory-unused",
    "-Oz",
    "--converge",
    ONE_CALLER_INLINE,
    "--flatten",
    "--rereloop",
    "-Oz",
    "--gufa-optimizing",
    "-Oz",
    "--flatten",
    "--rereloop",
    "-Oz",
    "--gufa-optimizing",
    "-Oz",
];

/// What the shipped wasm carries no copy of.
const STRIP: [&str; 3] = ["--strip-debug", "--strip-producers", "--strip-target-features"];

fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).map_err(|e| format!("read {}: {e}", path.display()))
}

fn write(path: &Path, data: &[u8]) -> Result<()> {
    fs::write(path, data).map_err(|e| format!("write {}: {e}", path.display()))
}

/// Renames the wasm's imports and exports to short names (see boundary.rs), `names`: keeping
/// its function names. Returns the renames, for the glue.
fn minify(tools: &Path, wasm: &Path, out: &Path, names: bool) -> Result<boundary::Renames> {
    let mut minify = Command::new(tools.join("wasm-opt"));
    if names {
        minify.arg("-g");
    }
    minify.arg("--minify-imports-and-exports-and-modules").args(WASM_FEATURES).arg(wasm).arg("-o").arg(out);
    let done = minify.output().map_err(|e| format!("could not start {minify:?}: {e}"))?;
    if !done.status.success() {
        return Err(format!("{minify:?} failed ({}): {}", done.status, String::from_utf8_lossy(&done.stderr)));
    }
    boundary::parse(&String::from_utf8_lossy(&done.stdout))
}

/// A wasm that keeps its function names, for measuring where the bytes go (twiggy, `cargo
/// xtask coverage --names`): the last [`build`]'s wasm through the same minifying and passes,
/// without the stripping, the trap merging and the reordering that follow. It works with
/// `dist/`'s `accord.js` (the same renames; it fails if they differ). Returns its path.
pub fn named_wasm() -> Result<PathBuf> {
    let glue_dir = root().join("target/wasm-bindgen");
    let tools = root().join("xtask/node/node_modules/.bin");
    let minified = glue_dir.join("accord_bg.names.min.wasm");
    let renames = minify(&tools, &glue_dir.join("accord_bg.wasm"), &minified, true)?;
    if renames != minify(&tools, &glue_dir.join("accord_bg.wasm"), &glue_dir.join("accord_bg.names.check.wasm"), false)? {
        return Err("the wasm keeping its names has other boundary names than dist/'s: its accord.js would not load it".into());
    }
    let named = glue_dir.join("accord_bg.names.wasm");
    run(Command::new(tools.join("wasm-opt")).arg("-g").args(OPTIMIZE).args(WASM_FEATURES).arg(&minified).arg("-o").arg(&named))?;
    Ok(named)
}

/// Builds `dist/` and returns its path.
pub fn build() -> Result<PathBuf> {
    let root = root();
    // The standard library is rebuilt with panic=immediate-abort: a panic already aborts
    // (panic = "abort"), and on wasm32-unknown-unknown its message went nowhere, so the
    // formatting machinery behind it was dead weight (about 11 KB of the wasm's gzip). These
    // are unstable flags of the stable compiler (RUSTC_BOOTSTRAP), in a target directory of
    // their own so the ordinary builds keep theirs.
    run(Command::new("cargo")
        .args(["build", "--release", "--lib", "--package", "accord", "--target", "wasm32-unknown-unknown"])
        .args(["-Zbuild-std=std,panic_abort"])
        .env("RUSTC_BOOTSTRAP", "1")
        // Without reference types, wasm-bindgen keeps the JavaScript values the wasm holds in
        // an array in the glue instead of an `externref` table in the wasm: 2,342 B less wasm
        // and 713 B more glue raw, 888 B less of gzip -9 and 690 B less zopfli in all
        // (2026-11-30). It is also a wasm that engines without reference types run.
        //
        // The stack is 32 KB, where Rust's default is 1 MB. It comes first in the memory
        // (rustc links wasm with `--stack-first`), so an overflow runs below address 0, out
        // of the memory, and fails (a trap, or the glue refusing the address: with a 4 KB
        // stack the nested config below stopped on "Offset is outside the bounds of the
        // DataView"), which the loader reports as Accord not starting; it cannot overwrite data.
        // The deepest use measured is 4.5 KB, reading a config nested to the limit of 32
        // levels (2.3 KB for the banner, a click on Accept all with its receipt, the panel);
        // tests/e2e/memory.test.mjs keeps it under half the stack. The data's addresses, now
        // 32 KB up instead of 1 MB, are smaller numbers: -53 B of gzip -9, -64 zopfli, -53
        // brotli, and the memory at start is one 64 KB page, where it was 17 (2026-12-03).
        .env("RUSTFLAGS", "-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Ctarget-feature=-reference-types -Clink-arg=-zstack-size=32768")
        .env("CARGO_TARGET_DIR", root.join(DIST_TARGET))
        .current_dir(&root))?;
    let glue_dir = root.join("target/wasm-bindgen");
    let wasm = root.join(DIST_TARGET).join("wasm32-unknown-unknown/release/accord.wasm");
    run(Command::new("wasm-bindgen")
        // `TextEncoder.encodeInto` without the glue's fallback for browsers that lack it. Chrome
        // 74, Firefox 66 and Safari 14.1 have it; the stylesheet's `inset-inline`, which places
        // the banner, already needs Chrome 87, Firefox 63 and Safari 14.1.
        .args(["--target", "no-modules", "--no-typescript", "--encode-into", "always", "--out-dir"])
        .arg(&glue_dir)
        .arg(&wasm))?;

    let dist = root.join("dist");
    fs::create_dir_all(&dist).map_err(|e| format!("create {}: {e}", dist.display()))?;
    let tools = root.join("xtask/node/node_modules/.bin");
    // Short names across the boundary (see boundary.rs): on 2026-11-25 the wasm lost 4,221 B
    // of gzip (82,293 to 78,072) and accord.js 2,637 (9,340 to 6,703).
    let minified = glue_dir.join("accord_bg.min.wasm");
    let renames = minify(&tools, &glue_dir.join("accord_bg.wasm"), &minified, false)?;
    let optimized = glue_dir.join("accord_bg.opt.wasm");
    lowmem::check(&fs::read(&minified).map_err(|e| format!("read {}: {e}", minified.display()))?)?;
    run(Command::new(tools.join("wasm-opt")).args(OPTIMIZE).args(WASM_FEATURES).args(STRIP).arg(&minified).arg("-o").arg(&optimized))?;
    // The table's entries that only trap pointed at one function (see traps.rs), and the
    // functions in an order gzip compresses better (see order.rs). Binaryen reads stack code
    // back with scratch locals that only its optimizer removes again, so -Oz runs once more,
    // and removes the trapping functions no entry points at any more.
    let named = glue_dir.join("accord_bg.named.wasm");
    let (merged, _) = traps::merge(&fs::read(&optimized).map_err(|e| format!("read {}: {e}", optimized.display()))?)?;
    write(&named, &order::name_by_likeness(&merged)?)?;
    run(Command::new(tools.join("wasm-opt"))
        .args(["--reorder-functions-by-name", "-Oz", ONE_CALLER_INLINE])
        .args(WASM_FEATURES)
        .args(STRIP)
        .arg(&named)
        .arg("-o")
        .arg(dist.join("accord_bg.wasm")))?;

    // The stylesheet goes inside accord.js, not beside it: one request fewer, and 65 B less of
    // zopfli (66 gzip -9, 37 brotli) than a file of its own. The banner's time did not move
    // distinguishably (an A/B of 100 runs, 2026-12-03: docs/performance-history.md).
    let css_file = glue_dir.join("accord.css");
    run(Command::new(tools.join("esbuild"))
        .arg(root.join("src/ui/accord.css"))
        .args(["--minify", "--log-level=warning"])
        .arg(format!("--outfile={}", css_file.display())))?;
    let css = read(&css_file)?;
    remove_old_stylesheet(&dist)?;

    // What the glue has for uses other than the loader's, cut out. Each piece must be found as
    // it is, or the build fails (a new wasm-bindgen writes its glue differently).
    let mut glue = read(&glue_dir.join("accord.js"))?;
    for (piece, by, why) in GLUE_CUTS {
        if !glue.contains(piece) {
            return Err(format!("wasm-bindgen's glue no longer has `{piece}` ({why}): update dist.rs for this wasm-bindgen"));
        }
        glue = glue.replace(piece, by);
    }
    let glue = boundary::apply(&glue, &renames)?;
    let wasm_integrity = sri(&fs::read(dist.join("accord_bg.wasm")).map_err(|e| format!("read the wasm: {e}"))?);
    let loader = read(&root.join("src/loader.js"))?;
    if !loader.contains(STYLE_SLOT) {
        return Err(format!("src/loader.js has no {STYLE_SLOT} for the stylesheet"));
    }
    let style = serde_json::to_string(css.trim_end()).map_err(|e| format!("the stylesheet as a string: {e}"))?;
    let loader = loader.replace("__ACCORD_WASM_INTEGRITY__", &wasm_integrity).replace(STYLE_SLOT, &style);
    let version = env!("CARGO_PKG_VERSION");
    let bundle = format!("/*! Accord {version} | MIT OR Apache-2.0 */\n(function () {{\n'use strict';\n{glue}\n{loader}\n}})();\n");
    let readable = glue_dir.join("accord.bundle.js");
    write(&readable, bundle.as_bytes())?;
    // terser: names inside the bundle's function scope are mangled; property names (the
    // exports wasm-bindgen calls, window.Accord's methods) are kept; the /*! licence stays.
    // Function expressions become methods (`{ a(t) {…} }`, the glue's imports) or arrows
    // where they use neither `this` nor `arguments`: none of them is called with `new`.
    // On 2026-11-30, 2,586 B less raw, 85 B less zopfli.
    run(Command::new(tools.join("terser"))
        .arg(&readable)
        .args(["--ecma", "2015", "--compress", "passes=3,unsafe_methods=true,unsafe_arrows=true", "--mangle", "--comments", "some", "--output"])
        .arg(dist.join("accord.js")))?;
    // V8's explicit compile hint (Chrome 136 on): every function of the file is compiled
    // eagerly, off the main thread, as the file streams in, instead of on its first call. Boot
    // calls about a hundred of the glue's functions. 80 interleaved runs at 4x throttling, each
    // order: `boot` 10 to 12 ms shorter, the banner visible 9 to 15 ms sooner; 29 bytes.
    let minified = read(&dist.join("accord.js"))?;
    write(&dist.join("accord.js"), format!("//# allFunctionsCalledOnLoad\n{minified}").as_bytes())?;
    let bundle = fs::read(dist.join("accord.js")).map_err(|e| format!("read dist/accord.js: {e}"))?;
    let manifest = read(&root.join("pkg-config/package.json.in"))?.replace("{{version}}", version);
    write(&dist.join("package.json"), manifest.as_bytes())?;
    let integrity = format!("{{\n  \"accord.js\": \"{}\",\n  \"accord_bg.wasm\": \"{wasm_integrity}\"\n}}\n", sri(&bundle));
    write(&dist.join("integrity.json"), integrity.as_bytes())?;
    println!("SRI: <script src=\"…/accord.js\" integrity=\"{}\" crossorigin=\"anonymous\" …> (dist/integrity.json)", sri(&bundle));

    precompress(&dist, &FILES)?;
    let sizes = report(&dist, &FILES)?;
    let budget = parse_budget(&read(&root.join("pkg-config/size-budget.txt"))?)?;
    check_budget(&sizes, &budget)?;
    Ok(dist)
}

/// The files of a build that a page loads: the loader, glue and stylesheet; the wasm.
pub const FILES: [&str; 2] = ["accord.js", "accord_bg.wasm"];

/// Removes the `accord.css` (and its `.gz` and `.br` copies) that a build from before 2026-12-03
/// wrote beside `accord.js`, from `dir`: a stale copy there would be served, or counted in a
/// build's bytes.
pub fn remove_old_stylesheet(dir: &Path) -> Result<()> {
    for name in ["accord.css", "accord.css.gz", "accord.css.br"] {
        let stale = dir.join(name);
        if stale.is_file() {
            fs::remove_file(&stale).map_err(|e| format!("remove {}: {e}", stale.display()))?;
        }
    }
    Ok(())
}

/// Where src/loader.js takes the stylesheet, as a JavaScript string (quotes included).
const STYLE_SLOT: &str = "'__ACCORD_STYLE__'";

/// A Subresource Integrity value: `sha384-` and the base64 of the file's SHA-384.
fn sri(data: &[u8]) -> String {
    use base64::Engine;
    use sha2::Digest;
    format!("sha384-{}", base64::engine::general_purpose::STANDARD.encode(sha2::Sha384::digest(data)))
}

/// `name = bytes` lines; `#` starts a comment.
fn parse_budget(text: &str) -> Result<Vec<(String, usize)>> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let (name, value) = line.split_once('=').ok_or(format!("size-budget.txt line {}: expected name = bytes", n + 1))?;
        let bytes = value.trim().parse().map_err(|_| format!("size-budget.txt line {}: \"{}\" is not a number", n + 1, value.trim()))?;
        out.push((name.trim().to_string(), bytes));
    }
    Ok(out)
}

/// Fails naming every file (or the total) over its gzip budget.
fn check_budget(sizes: &[(String, usize)], budget: &[(String, usize)]) -> Result<()> {
    let over: Vec<String> = budget
        .iter()
        .filter_map(|(name, limit)| {
            let size = sizes.iter().find(|(n, _)| n == name)?.1;
            (size > *limit).then(|| format!("{name}: {size} B gzip, budget {limit} B"))
        })
        .collect();
    if over.is_empty() {
        Ok(())
    } else {
        Err(format!("over the size budget in pkg-config/size-budget.txt:\n  {}", over.join("\n  ")))
    }
}

/// zlib's gzip -9, as the peers' sizes are usually quoted: the report's column to compare with.
fn gzip(data: &[u8]) -> Result<Vec<u8>> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::best());
    enc.write_all(data).and_then(|_| enc.finish()).map_err(|e| format!("gzip: {e}"))
}

/// Zopfli's gzip: an ordinary gzip stream (any gzip decoder reads it) that searches harder for
/// matches than zlib -9. What the `.gz` copies hold. 15 iterations, its default: 100 saved
/// nothing here.
fn zopfli(data: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    zopfli::compress(zopfli::Options::default(), zopfli::Format::Gzip, data, &mut out).map_err(|e| format!("zopfli: {e}"))?;
    Ok(out)
}

fn brotli(data: &[u8]) -> Result<Vec<u8>> {
    let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
    let mut out = Vec::new();
    brotli::BrotliCompress(&mut &data[..], &mut out, &params).map_err(|e| format!("brotli: {e}"))?;
    Ok(out)
}

/// Writes `<file>.gz` (gzip by zopfli) and `<file>.br` (brotli q11) beside each file, for servers
/// that send a precompressed file as it is (nginx's `gzip_static` and `brotli_static`, the
/// demo's server).
fn precompress(dist: &Path, files: &[&str]) -> Result<()> {
    for name in files {
        let data = fs::read(dist.join(name)).map_err(|e| format!("read dist/{name}: {e}"))?;
        write(&dist.join(format!("{name}.gz")), &zopfli(&data)?)?;
        write(&dist.join(format!("{name}.br")), &brotli(&data)?)?;
    }
    Ok(())
}

/// Prints each file's size raw, after zlib's gzip -9, and as its `.gz` (zopfli) and `.br`
/// copies; returns the size of each `.gz` copy and of their total, which the budget is on.
fn report(dist: &Path, files: &[&str]) -> Result<Vec<(String, usize)>> {
    let read = |name: &str| fs::read(dist.join(name)).map_err(|e| format!("read dist/{name}: {e}"));
    let mut sizes = Vec::new();
    println!("\n{:<16} {:>10} {:>10} {:>10} {:>10}", "file", "raw B", "gzip -9 B", "zopfli B", "brotli B");
    let mut totals = [0; 4];
    for name in files {
        let data = read(name)?;
        let row = [data.len(), gzip(&data)?.len(), read(&format!("{name}.gz"))?.len(), read(&format!("{name}.br"))?.len()];
        for (total, size) in totals.iter_mut().zip(row) {
            *total += size;
        }
        println!("{name:<16} {:>10} {:>10} {:>10} {:>10}", row[0], row[1], row[2], row[3]);
        sizes.push((name.to_string(), row[2]));
    }
    let [raw, gz9, gz, br] = totals;
    println!("{:<16} {raw:>10} {gz9:>10} {gz:>10} {br:>10}  ({:.1} KiB served as gzip)\n", "total", gz as f64 / 1024.0);
    sizes.push(("total".to_string(), gz));
    Ok(sizes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_over_budget_fails_the_build_by_name() {
        let budget = parse_budget("# c\naccord.js = 100\ntotal = 1000 # all\n").unwrap();
        let sizes = vec![("accord.js".to_string(), 101), ("total".to_string(), 900)];
        assert_eq!(check_budget(&sizes, &budget).unwrap_err(),
            "over the size budget in pkg-config/size-budget.txt:\n  accord.js: 101 B gzip, budget 100 B");
        let sizes = vec![("accord.js".to_string(), 100), ("total".to_string(), 1000)];
        assert!(check_budget(&sizes, &budget).is_ok());
    }

    #[test]
    fn the_gz_copy_is_plain_gzip_and_no_larger_than_zlibs() {
        use std::io::Read;
        let data = read(&root().join("src/loader.js")).unwrap();
        let packed = zopfli(data.as_bytes()).unwrap();
        let mut unpacked = String::new();
        flate2::read::GzDecoder::new(&packed[..]).read_to_string(&mut unpacked).unwrap();
        assert_eq!(unpacked, data);
        assert!(packed.len() <= gzip(data.as_bytes()).unwrap().len(), "{} B", packed.len());
    }

    #[test]
    fn a_malformed_budget_line_is_named() {
        assert_eq!(parse_budget("a = x").unwrap_err(), "size-budget.txt line 1: \"x\" is not a number");
        assert!(parse_budget(&read(&root().join("pkg-config/size-budget.txt")).unwrap()).is_ok());
    }
}
