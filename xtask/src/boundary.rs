//! Shortens the names the wasm and its JavaScript glue call each other by. wasm-bindgen names
//! each import `__wbg_<method>_<16 hex digits>`, all from the module `./accord_bg.js`, and some
//! exports after whole Rust paths: about 6 KB of names, written once in the wasm and once in
//! the glue, and the hex digits do not compress. Binaryen's
//! `--minify-imports-and-exports-and-modules` renames them in the wasm (every import into the
//! module `a`) and prints the mapping; [`apply`] makes the same renames in the glue, and fails
//! naming any name the two would no longer agree on.

use crate::Result;

/// Old and new names, as Binaryen printed them.
#[derive(Debug, Default, PartialEq)]
pub struct Renames {
    /// The one module every import came from.
    module: String,
    /// (old, new) import names.
    imports: Vec<(String, String)>,
    /// (old, new) export names.
    exports: Vec<(String, String)>,
}

/// The module Binaryen moves every import into.
const MODULE: &str = "a";

/// Reads Binaryen's mapping: `{"imports": [[module, old, new], …], "exports": [[old, new], …]}`.
pub fn parse(map: &str) -> Result<Renames> {
    let doc: serde_json::Value = serde_json::from_str(map).map_err(|e| format!("Binaryen's name mapping is not JSON ({e}): {map:.200}"))?;
    let list = |key: &str| -> Result<Vec<Vec<String>>> {
        let items = doc.get(key).and_then(|v| v.as_array()).ok_or(format!("Binaryen's name mapping has no \"{key}\" list"))?;
        items
            .iter()
            .map(|item| {
                item.as_array()
                    .and_then(|parts| parts.iter().map(|p| p.as_str().map(str::to_string)).collect::<Option<Vec<_>>>())
                    .ok_or(format!("Binaryen's name mapping: {key} entry {item} is not a list of strings"))
            })
            .collect()
    };
    let mut renames = Renames::default();
    for entry in list("imports")? {
        let [module, old, new] = <[String; 3]>::try_from(entry).map_err(|e| format!("Binaryen's name mapping: import entry {e:?} is not [module, old, new]"))?;
        if renames.module.is_empty() {
            renames.module = module;
        } else if renames.module != module {
            return Err(format!(
                "the wasm imports from two modules (\"{}\" and \"{module}\"); Binaryen would merge them into one and the glue's import object would lose one",
                renames.module
            ));
        }
        renames.imports.push((old, new));
    }
    for entry in list("exports")? {
        let [old, new] = <[String; 2]>::try_from(entry).map_err(|e| format!("Binaryen's name mapping: export entry {e:?} is not [old, new]"))?;
        renames.exports.push((old, new));
    }
    Ok(renames)
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

/// Renames in wasm-bindgen's glue: the import object's keys and its module key, and every
/// `wasm.<export>`. Fails when the glue calls an export the mapping does not have, or does not
/// define an import the wasm needs.
pub fn apply(glue: &str, renames: &Renames) -> Result<String> {
    let module_key = format!("\"{}\":", renames.module);
    if !renames.imports.is_empty() {
        match glue.matches(&module_key).count() {
            1 => {}
            n => return Err(format!("the glue has {n} keys {module_key} (expected one import object for the module)")),
        }
    }
    let glue = glue.replacen(&module_key, &format!("\"{MODULE}\":"), 1);
    let find = |list: &[(String, String)], name: &str| list.iter().position(|(old, _)| old == name);
    let mut used = vec![false; renames.imports.len()];
    let mut out = String::with_capacity(glue.len());
    let mut rest = glue.as_str();
    let mut prev: Option<char> = None;
    while let Some(c) = rest.chars().next() {
        if !is_ident(c) || prev.is_some_and(is_ident) {
            out.push(c);
            prev = Some(c);
            rest = &rest[c.len_utf8()..];
            continue;
        }
        let len = rest.find(|c: char| !is_ident(c)).unwrap_or(rest.len());
        let (name, after) = rest.split_at(len);
        let is_export = out.ends_with("wasm.") && !out[..out.len() - 5].ends_with(is_ident);
        if is_export {
            let i = find(&renames.exports, name).ok_or(format!("the glue calls wasm.{name}, which the wasm does not export"))?;
            out.push_str(&renames.exports[i].1);
        } else if let Some(i) = find(&renames.imports, name) {
            used[i] = true;
            out.push_str(&renames.imports[i].1);
        } else {
            out.push_str(name);
        }
        prev = name.chars().last();
        rest = after;
    }
    let missing: Vec<&str> = renames.imports.iter().zip(&used).filter(|(_, u)| !**u).map(|((old, _), _)| old.as_str()).collect();
    if !missing.is_empty() {
        return Err(format!("the glue does not define the wasm's imports {}", missing.join(", ")));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAP: &str = r#"{
 "imports": [
  ["./accord_bg.js", "__wbg_value_17829e61bdaa1ac5", "$"],
  ["./accord_bg.js", "__wbindgen_init_externref_table", "b"]
 ],
"exports": [
  ["memory", "c"],
  ["accept", "d"]
 ]
}"#;

    const GLUE: &str = r#"const import0 = { __wbg_value_17829e61bdaa1ac5: function(arg0) { return arg0.value; },
__wbindgen_init_externref_table: function() { const table = wasm.memory; } };
return { "./accord_bg.js": import0 };
function accept(ptr) { wasm.accept(ptr); myaccept(wasm.accept2 === undefined, xwasm.accept); }"#;

    #[test]
    fn the_glue_calls_the_wasm_by_its_new_names() {
        let glue = GLUE.replace("wasm.accept2", "wasm.memory");
        let out = apply(&glue, &parse(MAP).unwrap()).unwrap();
        assert_eq!(
            out,
            r#"const import0 = { $: function(arg0) { return arg0.value; },
b: function() { const table = wasm.c; } };
return { "a": import0 };
function accept(ptr) { wasm.d(ptr); myaccept(wasm.c === undefined, xwasm.accept); }"#
        );
    }

    #[test]
    fn a_call_to_an_export_the_wasm_lacks_is_named() {
        assert_eq!(apply(GLUE, &parse(MAP).unwrap()).unwrap_err(), "the glue calls wasm.accept2, which the wasm does not export");
    }

    #[test]
    fn an_import_the_glue_does_not_define_is_named() {
        let glue = GLUE.replace("__wbg_value_17829e61bdaa1ac5:", "__wbg_value_0000000000000000:").replace("wasm.accept2", "wasm.memory");
        assert_eq!(
            apply(&glue, &parse(MAP).unwrap()).unwrap_err(),
            "the glue does not define the wasm's imports __wbg_value_17829e61bdaa1ac5"
        );
    }

    #[test]
    fn imports_from_two_modules_are_refused() {
        let map = MAP.replace(r#"["./accord_bg.js", "__wbindgen_init"#, r#"["./snippets/x.js", "__wbindgen_init"#);
        assert!(parse(&map).unwrap_err().starts_with("the wasm imports from two modules (\"./accord_bg.js\" and \"./snippets/x.js\")"));
        assert!(parse("{\"imports\": [[1, 2, 3]], \"exports\": []}").unwrap_err().contains("is not a list of strings"));
    }
}
