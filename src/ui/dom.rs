//! Building DOM nodes: every string goes in as text (`textContent`) or as an attribute value,
//! never as HTML.

use web_sys::{Document, Element};

use crate::browser::{Context, DomError};

/// Creates `<tag attrs…>text</tag>`.
pub fn el(doc: &Document, tag: &str, attrs: &[(&str, &str)], text: &str) -> Result<Element, DomError> {
    let node = doc.create_element(tag).context("create an element")?;
    for (name, value) in attrs {
        node.set_attribute(name, value).context("set an attribute")?;
    }
    if !text.is_empty() {
        node.set_text_content(Some(text));
    }
    Ok(node)
}

/// Appends `children` to `parent` in order.
pub fn append(parent: &Element, children: &[&Element]) -> Result<(), DomError> {
    for child in children {
        parent.append_child(child).context("append an element")?;
    }
    Ok(())
}
