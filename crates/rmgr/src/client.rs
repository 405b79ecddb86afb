//! `rmgr [--data DIR] [-f FMT] [-i FILE] [--period S] <words…>`: the `ceph`-like client.
//!
//! Like `/usr/bin/ceph`, it takes its own options out of the word list wherever they
//! appear, so `rmgr config dump -f json` works.

use crate::paths;
use rmgr_cmdparse::{parse_descriptions, validate_command, CommandDesc, Validation};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "usage: rmgr [--data DIR] [-f json|json-pretty|plain] [-i FILE] [--period SECS] <command words…>
       rmgr serve [--data DIR] [--id ID] [--log-file FILE] [--command-timeout SECS]

Sends a command to the rmgr daemon whose admin socket is DIR/rmgr.asok
(default DIR: $RMGR_DATA, else ~/.local/share/rmgr). `rmgr help` lists the commands.
";

const FORMATS: &[&str] = &["json", "json-pretty", "xml", "xml-pretty", "plain", "yaml"];

#[derive(Debug, Default)]
struct ClientArgs {
    data: Option<PathBuf>,
    format: Option<String>,
    infile: Option<String>,
    period: Option<f64>,
    words: Vec<String>,
}

fn value(args: &[String], i: &mut usize, name: &str) -> Result<String, String> {
    *i += 1;
    args.get(*i)
        .cloned()
        .ok_or_else(|| format!("argument {name}: expected one argument"))
}

fn parse_args(args: &[String]) -> Result<Option<ClientArgs>, String> {
    let mut out = ClientArgs::default();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (a, None),
        };
        let take = |name: &str, i: &mut usize| -> Result<String, String> {
            match &inline {
                Some(v) => Ok(v.clone()),
                None => value(args, i, name),
            }
        };
        match flag {
            "-h" | "--help" => return Ok(None),
            "--data" => out.data = Some(PathBuf::from(take("--data", &mut i)?)),
            "-f" | "--format" => {
                let f = take("-f/--format", &mut i)?;
                if !FORMATS.contains(&f.as_str()) {
                    return Err(format!(
                        "argument -f/--format: invalid choice: '{f}' (choose from {})",
                        FORMATS
                            .iter()
                            .map(|f| format!("'{f}'"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                out.format = Some(f);
            }
            "-i" | "--in-file" => out.infile = Some(take("-i/--in-file", &mut i)?),
            "-p" | "--period" => {
                let p = take("-p/--period", &mut i)?;
                let v: f64 = p
                    .parse()
                    .map_err(|_| format!("argument -p/--period: invalid float value: '{p}'"))?;
                if !(v.is_finite() && v > 0.0) {
                    return Err(format!("argument -p/--period: must be positive: '{p}'"));
                }
                out.period = Some(v);
            }
            _ => out.words.push(args[i].clone()),
        }
        i += 1;
    }
    Ok(Some(out))
}

pub fn main(args: &[String]) -> ExitCode {
    let parsed = match parse_args(args) {
        Ok(Some(p)) => p,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprint!("{USAGE}");
            eprintln!("rmgr: error: {e}");
            return ExitCode::from(2);
        }
    };
    if parsed.words.is_empty() {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    }
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("rmgr: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    rt.block_on(run(parsed))
}

fn exit_for(rc: i32) -> ExitCode {
    ExitCode::from(u8::try_from(rc.unsigned_abs().min(255)).unwrap_or(255))
}

async fn run(args: ClientArgs) -> ExitCode {
    let data = args.data.clone().unwrap_or_else(paths::default_data_dir);
    let sock = paths::asok(&data);
    let descs: Vec<CommandDesc> =
        match rmgr_asok::call(&sock, r#"{"prefix": "get_command_descriptions"}"#, b"").await {
            Ok(r) if r.rc >= 0 => match parse_descriptions(&String::from_utf8_lossy(&r.outb)) {
                Ok(d) => d,
                Err(e) => {
                    eprintln!("rmgr: the daemon's command descriptions are unusable: {e}");
                    return ExitCode::from(22);
                }
            },
            Ok(r) => {
                eprintln!("Error {}: {}", rmgr_core::errno::name(r.rc), r.outs);
                return exit_for(r.rc);
            }
            Err(e) => {
                eprintln!("rmgr: {e}");
                return ExitCode::from(2);
            }
        };
    let mut cmd = match validate_command(&descs, &args.words) {
        Validation::Command(m) => m,
        Validation::Invalid { stderr } => {
            eprint!("{stderr}");
            eprintln!("Error EINVAL: invalid command");
            return ExitCode::from(22);
        }
        Validation::NoMatch { stderr } => {
            eprint!("{stderr}");
            eprintln!("Error EINVAL: invalid command");
            return ExitCode::from(22);
        }
        _ => {
            eprintln!("Error EINVAL: invalid command");
            return ExitCode::from(22);
        }
    };
    if let Some(f) = &args.format {
        cmd.insert("format".into(), serde_json::Value::String(f.clone()));
    }
    let inbuf = match &args.infile {
        None => Vec::new(),
        Some(p) if p == "-" => {
            let mut b = Vec::new();
            if let Err(e) = std::io::Read::read_to_end(&mut std::io::stdin(), &mut b) {
                eprintln!("rmgr: cannot read standard input: {e}");
                return ExitCode::from(5);
            }
            b
        }
        Some(p) => match std::fs::read(p) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("Can't open input file {p}: {e}");
                return ExitCode::from(2);
            }
        },
    };
    let poll = cmd.get("poll").and_then(|v| v.as_bool()) == Some(true);
    let period = if poll { args.period } else { None };
    let mut first = true;
    loop {
        if poll {
            cmd.insert("print_header".into(), serde_json::Value::Bool(first));
            cmd.insert("width".into(), serde_json::json!(terminal_width()));
        }
        let text = serde_json::Value::Object(cmd.clone()).to_string();
        let reply = match rmgr_asok::call(&sock, &text, &inbuf).await {
            Ok(r) => r,
            Err(e) => {
                eprintln!("rmgr: {e}");
                return ExitCode::from(2);
            }
        };
        let mut stdout = std::io::stdout().lock();
        if !reply.outb.is_empty() {
            let _ = stdout.write_all(&reply.outb);
            if !reply.outb.ends_with(b"\n") {
                let _ = stdout.write_all(b"\n");
            }
        }
        let _ = stdout.flush();
        if reply.rc < 0 {
            eprintln!("Error {}: {}", rmgr_core::errno::name(reply.rc), reply.outs);
            return exit_for(reply.rc);
        }
        if !reply.outs.is_empty() {
            eprintln!("{}", reply.outs);
        }
        match period {
            Some(p) => {
                first = false;
                tokio::time::sleep(Duration::from_secs_f64(p)).await;
            }
            None => return ExitCode::SUCCESS,
        }
    }
}

fn terminal_width() -> u16 {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(80)
}

#[cfg(test)]
mod tests {
    use super::parse_args;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn own_options_are_taken_out_anywhere() {
        let a = parse_args(&s(&[
            "config",
            "dump",
            "-f",
            "json",
            "--data=/tmp/x",
            "--period",
            "2",
        ]))
        .expect("ok")
        .expect("args");
        assert_eq!(a.words, s(&["config", "dump"]));
        assert_eq!(a.format.as_deref(), Some("json"));
        assert_eq!(a.data.as_deref(), Some(std::path::Path::new("/tmp/x")));
        assert_eq!(a.period, Some(2.0));
    }

    #[test]
    fn bad_options_are_usage_errors() {
        assert!(parse_args(&s(&["-f", "bogus", "status"])).is_err());
        assert!(parse_args(&s(&["status", "-i"])).is_err());
        assert!(parse_args(&s(&["--period", "x", "iostat"])).is_err());
        assert!(parse_args(&s(&["--period", "-1", "iostat"])).is_err());
    }

    #[test]
    fn confirmation_flags_stay_words() {
        let a = parse_args(&s(&["mgr", "module", "enable", "x", "--force"]))
            .expect("ok")
            .expect("args");
        assert_eq!(a.words, s(&["mgr", "module", "enable", "x", "--force"]));
    }
}
