//! JSON layout for schema documents: containers that fit on a line stay on one line, so a
//! field is one line and a diff of two versions shows one line per change.

/// Lines are kept within this many columns where possible.
const WIDTH: usize = 88;

enum Node<'a> {
    Scalar(&'a str),
    Array(Vec<Node<'a>>),
    Object(Vec<(&'a str, Node<'a>)>),
}

/// Re-lays out compact JSON (as written by `serde_json::to_string`).
pub(crate) fn pretty(compact: &str) -> String {
    let mut pos = 0;
    let node = parse(compact, &mut pos);
    let mut out = String::with_capacity(compact.len() * 2);
    write(&node, 0, 0, &mut out);
    out.push('\n');
    out
}

fn parse<'a>(s: &'a str, pos: &mut usize) -> Node<'a> {
    let bytes = s.as_bytes();
    match bytes[*pos] {
        b'[' => {
            *pos += 1;
            let mut items = Vec::new();
            if bytes[*pos] == b']' {
                *pos += 1;
                return Node::Array(items);
            }
            loop {
                items.push(parse(s, pos));
                *pos += 1; // `,` or `]`
                if bytes[*pos - 1] == b']' {
                    return Node::Array(items);
                }
            }
        }
        b'{' => {
            *pos += 1;
            let mut entries = Vec::new();
            if bytes[*pos] == b'}' {
                *pos += 1;
                return Node::Object(entries);
            }
            loop {
                let key = string(s, pos);
                *pos += 1; // `:`
                entries.push((key, parse(s, pos)));
                *pos += 1; // `,` or `}`
                if bytes[*pos - 1] == b'}' {
                    return Node::Object(entries);
                }
            }
        }
        b'"' => Node::Scalar(string(s, pos)),
        _ => {
            let start = *pos;
            while *pos < bytes.len() && !matches!(bytes[*pos], b',' | b']' | b'}') {
                *pos += 1;
            }
            Node::Scalar(&s[start..*pos])
        }
    }
}

/// A string token, quotes included.
fn string<'a>(s: &'a str, pos: &mut usize) -> &'a str {
    let bytes = s.as_bytes();
    let start = *pos;
    *pos += 1;
    while bytes[*pos] != b'"' {
        *pos += if bytes[*pos] == b'\\' { 2 } else { 1 };
    }
    *pos += 1;
    &s[start..*pos]
}

fn flat(node: &Node<'_>, out: &mut String) {
    match node {
        Node::Scalar(s) => out.push_str(s),
        Node::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                flat(item, out);
            }
            out.push(']');
        }
        Node::Object(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(k);
                out.push_str(": ");
                flat(v, out);
            }
            out.push('}');
        }
    }
}

/// Writes `node` at `indent`, on a line where `used` columns are already taken.
fn write(node: &Node<'_>, indent: usize, used: usize, out: &mut String) {
    let mut one_line = String::new();
    flat(node, &mut one_line);
    let empty = matches!(node, Node::Array(v) if v.is_empty())
        || matches!(node, Node::Object(v) if v.is_empty());
    // The document itself is always spread out.
    if empty || (indent > 0 && used + one_line.len() <= WIDTH) {
        out.push_str(&one_line);
        return;
    }
    let pad = " ".repeat(indent + 2);
    match node {
        Node::Scalar(s) => out.push_str(s),
        Node::Array(items) => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                out.push_str(&pad);
                write(item, indent + 2, indent + 2, out);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            out.push_str(&" ".repeat(indent));
            out.push(']');
        }
        Node::Object(entries) => {
            out.push_str("{\n");
            for (i, (k, v)) in entries.iter().enumerate() {
                out.push_str(&pad);
                out.push_str(k);
                out.push_str(": ");
                write(v, indent + 2, indent + 2 + k.len() + 2, out);
                out.push_str(if i + 1 < entries.len() { ",\n" } else { "\n" });
            }
            out.push_str(&" ".repeat(indent));
            out.push('}');
        }
    }
}
