//! Usage lines: `ceph_argparse.concise_sig`, as printed after `Invalid command:` and under
//! `no valid command found; N closest matches:` (`osd down <ids>... [--definitely-dead]`,
//! `log last [<num:int>] [debug|info]`).
//!
//! Rendered from the raw attributes so that it works for any descriptor, usable or not.

use crate::descriptor::{ArgSpec, CommandDesc, SigItem};

/// `argdesc.helpstr()` for one parameter.
fn helpstr(spec: &ArgSpec) -> String {
    let name = spec.get("name").unwrap_or("None");
    let mut s = match spec.type_name() {
        "CephBool" => format!("--{}", name.replace('_', "-")),
        "CephPrefix" => spec.get("prefix").unwrap_or("").to_string(),
        "CephChoices" => {
            let strings = spec.get("strings").unwrap_or("");
            if name == "format" {
                format!("--{name} {{{strings}}}")
            } else {
                strings.to_string()
            }
        }
        "CephOsdName" => "<id|osd.id>".to_string(),
        "CephName" => "<type.id>".to_string(),
        "CephInt" => format!("<{name}:int>"),
        "CephFloat" => format!("<{name}:float>"),
        _ => format!("<{name}>"),
    };
    if spec.is_list() {
        s.push_str("...");
    }
    if !spec.req() {
        s = format!("[{s}]");
    }
    s
}

/// `concise_sig(sig)`.
pub(crate) fn concise_sig(sig: &[SigItem]) -> String {
    let parts: Vec<String> = sig
        .iter()
        .map(|item| match item {
            SigItem::Literal(w) => w.clone(),
            SigItem::Arg(spec) => helpstr(spec),
        })
        .collect();
    parts.join(" ")
}

impl CommandDesc {
    /// The one-line usage `ceph` prints for this command (`ceph_argparse.concise_sig`).
    pub fn concise_sig(&self) -> String {
        concise_sig(&self.sig)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(desc: &str) -> String {
        CommandDesc::from_descriptor(desc, "", "", "", 0).concise_sig()
    }

    #[test]
    fn like_argparse() {
        assert_eq!(
            usage("osd down name=ids,type=CephString,n=N name=definitely_dead,type=CephBool,req=false"),
            "osd down <ids>... [--definitely-dead]"
        );
        assert_eq!(
            usage("log last name=num,type=CephInt,range=1,req=false name=level,type=CephChoices,strings=debug|info,req=false"),
            "log last [<num:int>] [debug|info]"
        );
        assert_eq!(
            usage("x name=format,type=CephChoices,strings=json|plain,req=false"),
            "x [--format {json|plain}]"
        );
        assert_eq!(
            usage("x name=id,type=CephOsdName name=who,type=CephName"),
            "x <id|osd.id> <type.id>"
        );
        assert_eq!(
            usage("x name=f,type=CephFloat name=p,type=CephPgid"),
            "x <f:float> <p>"
        );
        assert_eq!(usage("fs volume create name=name,type=CephString name=placement,type=CephString,req=false"), "fs volume create <name> [<placement>]");
    }
}
