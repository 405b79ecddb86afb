//! The core's answers to a worker's native calls (`Frame::Call`): each `_ceph_*` that
//! needs the core maps onto [`ModuleContext`].

use crate::protocol::CallResult;
use rmgr_core::daemon_state::{render_server, render_servers, DaemonKey, DaemonSummary};
use rmgr_core::{
    health::checks_from_module_json, ModuleContext, OptionAccessError, RemoteError, TypedValue,
};
use serde_json::{json, Value};

fn s<'a>(args: &'a Value, k: &str) -> &'a str {
    args.get(k).and_then(Value::as_str).unwrap_or("")
}

fn typed_json(t: TypedValue) -> Value {
    match t {
        TypedValue::Str(s) => json!(s),
        TypedValue::Int(i) => json!(i),
        TypedValue::Float(f) => json!(f),
        TypedValue::Bool(b) => json!(b),
        #[allow(unreachable_patterns)]
        _ => Value::Null,
    }
}

fn metadata(ctx: &ModuleContext, svc_type: &str, svc_id: &str) -> Value {
    let table = match svc_type {
        "osd" => "osd_metadata",
        "mds" => "mds_metadata",
        "mon" => "mon_metadata",
        "mgr" if svc_id == ctx.mgr_id() => {
            return json!({"hostname": hostname(), "ceph_version": crate::CEPH_VERSION, "id": svc_id});
        }
        _ => return Value::Null,
    };
    ctx.get(table)
        .and_then(|snap| snap.value.get(svc_id).cloned())
        .unwrap_or(Value::Null)
}

pub(crate) fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "localhost".into())
}

/// Every daemon the state knows, as `(type, id, hostname, version)`.
fn daemons(ctx: &ModuleContext) -> Vec<(String, String, String, String)> {
    let mut out = vec![(
        "mgr".to_string(),
        ctx.mgr_id().to_string(),
        hostname(),
        crate::CEPH_VERSION.to_string(),
    )];
    for (ty, table) in [
        ("mon", "mon_metadata"),
        ("osd", "osd_metadata"),
        ("mds", "mds_metadata"),
    ] {
        if let Some(snap) = ctx.get(table) {
            if let Some(obj) = snap.value.as_object() {
                for (id, m) in obj {
                    let host = m
                        .get("hostname")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string();
                    let ver = m
                        .get("ceph_version")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string();
                    out.push((ty.to_string(), id.clone(), host, ver));
                }
            }
        }
    }
    out
}

/// Every daemon for `get_server`: the DaemonStateIndex's, plus those only the cluster
/// snapshots (or this mgr itself) know.
fn summaries(ctx: &ModuleContext) -> Vec<DaemonSummary> {
    let mut out = ctx.daemon_state().summaries();
    let known: std::collections::BTreeSet<DaemonKey> = out.iter().map(|d| d.key.clone()).collect();
    for (ty, id, host, ver) in daemons(ctx) {
        let key = DaemonKey::new(ty, id);
        if !known.contains(&key) {
            out.push(DaemonSummary {
                key,
                hostname: host,
                ceph_version: Some(ver).filter(|v| !v.is_empty()),
                name: None,
            });
        }
    }
    out
}

fn server(ctx: &ModuleContext, host: &str) -> Value {
    render_server(host, &summaries(ctx))
}

fn option_error(e: OptionAccessError) -> CallResult {
    match e {
        OptionAccessError::InvalidEntity(_) | OptionAccessError::NotFound(_) => {
            CallResult::err("KeyError", e.to_string())
        }
        OptionAccessError::Undeclared { .. } => CallResult::err("RuntimeError", e.to_string()),
        _ => CallResult::err("ValueError", e.to_string()),
    }
}

pub(crate) async fn handle(
    ctx: &ModuleContext,
    perf: &crate::host::perf::PerfQueries,
    method: &str,
    args: Value,
) -> CallResult {
    match method {
        "get" => match ctx.get(s(&args, "name")) {
            Some(snap) => {
                CallResult::ok(json!({"version": snap.version, "value": snap.value.as_ref()}))
            }
            None => {
                tracing::debug!(module = %ctx.module_name(), "Python module requested unknown data '{}'", s(&args, "name"));
                CallResult::ok(Value::Null)
            }
        },
        "get_osdmap" => {
            let part = |n: &str| {
                ctx.get(n)
                    .map(|s| s.value.as_ref().clone())
                    .unwrap_or_else(|| json!({}))
            };
            CallResult::ok(
                json!({"osd_map": part("osd_map"), "osd_map_crush": part("osd_map_crush"), "pg_dump": part("pg_dump")}),
            )
        }
        "get_server" => match args.get("hostname").and_then(Value::as_str) {
            Some(h) => CallResult::ok(server(ctx, h)),
            None => CallResult::ok(render_servers(&summaries(ctx))),
        },
        "get_metadata" => {
            let (ty, id) = (s(&args, "svc_type"), s(&args, "svc_id"));
            CallResult::ok(
                ctx.daemon_state()
                    .metadata_json(ty, id)
                    .unwrap_or_else(|| metadata(ctx, ty, id)),
            )
        }
        // Every daemon of a type, id → what `get_metadata` answers for it (the worker
        // keeps this per daemon-index generation instead of asking per daemon).
        "get_metadata_all" => {
            let ty = s(&args, "svc_type");
            let mut all = serde_json::Map::new();
            let table = match ty {
                "osd" => Some("osd_metadata"),
                "mds" => Some("mds_metadata"),
                "mon" => Some("mon_metadata"),
                _ => None,
            };
            if let Some(snap) = table.and_then(|t| ctx.get(t)) {
                if let Some(m) = snap.value.as_object() {
                    all.extend(m.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
            }
            if ty == "mgr" {
                let me = ctx.mgr_id().to_string();
                let own = metadata(ctx, ty, &me);
                all.insert(me, own);
            }
            if let Some(m) = ctx.daemon_state().metadata_by_type_json(ty).as_object() {
                all.extend(m.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            CallResult::ok(Value::Object(all))
        }
        "get_daemon_status" => {
            let (ty, id) = (s(&args, "svc_type"), s(&args, "svc_id"));
            if let Some(st) = ctx.daemon_state().daemon_status_json(ty, id) {
                return CallResult::ok(st);
            }
            let known = !metadata(ctx, ty, id).is_null();
            CallResult::ok(if known { json!({}) } else { Value::Null })
        }
        "have_mon_connection" => CallResult::ok(json!(true)),
        "get_daemon_health_metrics" => {
            CallResult::ok(ctx.daemon_state().daemon_health_metrics_json())
        }
        "get_perf_schema" => CallResult::ok(
            ctx.daemon_state()
                .perf_schema_json(s(&args, "svc_type"), s(&args, "svc_id")),
        ),
        "get_counter" => CallResult::ok(ctx.daemon_state().counter_json(
            s(&args, "svc_type"),
            s(&args, "svc_id"),
            s(&args, "path"),
        )),
        "get_latest_counters" => CallResult::ok(
            ctx.daemon_state()
                .latest_counters_json(s(&args, "svc_type"), s(&args, "svc_id")),
        ),
        "get_latest_counter" => CallResult::ok(ctx.daemon_state().latest_counter_json(
            s(&args, "svc_type"),
            s(&args, "svc_id"),
            s(&args, "path"),
        )),
        "get_module_option" => {
            match ctx.get_module_option_ex(s(&args, "module"), s(&args, "key"), s(&args, "prefix"))
            {
                Ok(Some(v)) => CallResult::ok(typed_json(v)),
                Ok(None) => CallResult::ok(Value::Null),
                Err(e) => option_error(e),
            }
        }
        "set_module_option" => {
            let (module, key) = (s(&args, "module"), s(&args, "key"));
            let value = args.get("value").and_then(Value::as_str);
            if let Err(e) = ctx.set_module_option_ex(module, key, value) {
                // Pacific: a rejected value is logged, never raised (ceph_module_api.md §7.2),
                // with the two spaces its streamed boost::optional value leaves.
                ctx.log_line(&match value {
                    Some(v) => format!(
                        "`config set mgr mgr/{module}/{key}  {v}` failed: (22) Invalid argument"
                    ),
                    None => {
                        format!("`config rm mgr mgr/{module}/{key}` failed: (22) Invalid argument")
                    }
                });
                ctx.log_line(&format!("mon returned -22: {e}"));
            }
            CallResult::ok(Value::Null)
        }
        "get_foreign_option" => {
            match ctx.get_foreign_ceph_option(s(&args, "entity"), s(&args, "name")) {
                Ok((ty, text)) => CallResult::ok(match rmgr_options::typed_value(ty, &text) {
                    Ok(v) => typed_json(v),
                    Err(_) => json!(text),
                }),
                Err(e) => option_error(e),
            }
        }
        "set_store" => {
            let value = args.get("value").and_then(Value::as_str);
            match ctx.set_store_async(s(&args, "key"), value).await {
                Ok(()) => CallResult::ok(Value::Null),
                Err(e) => {
                    ctx.log_line(&format!("set_store failed: {e}"));
                    CallResult::ok(Value::Null)
                }
            }
        }
        "get_store" => match ctx.get_store(s(&args, "key")) {
            Ok(v) => CallResult::ok(json!(v)),
            Err(_) => CallResult::ok(Value::Null),
        },
        "send_command" => {
            let (ty, tag) = (s(&args, "svc_type"), s(&args, "tag").to_string());
            let reply = match ty {
                "mon" => {
                    let r = ctx
                        .mon_command(s(&args, "command"), s(&args, "inbuf").as_bytes())
                        .await;
                    json!([r.rc, String::from_utf8_lossy(&r.outb), r.outs])
                }
                _ => match ctx
                    .daemon_command(
                        ty,
                        s(&args, "svc_id"),
                        s(&args, "command"),
                        s(&args, "inbuf").as_bytes(),
                    )
                    .await
                {
                    // On a cluster: the daemon's own answer (or Pacific's error for a
                    // daemon that does not exist or cannot be reached).
                    Some(r) => json!([r.rc, String::from_utf8_lossy(&r.outb), r.outs]),
                    None => json!([
                        -2,
                        "",
                        format!(
                            "{ty}.{} is not available: this rmgr runs standalone, without a cluster",
                            s(&args, "svc_id")
                        )
                    ]),
                },
            };
            ctx.notify_command_done(&tag);
            CallResult::ok(reply)
        }
        "set_health_checks" => {
            if let Some(checks) = checks_from_module_json(&args) {
                ctx.set_health_checks(checks);
            }
            CallResult::ok(Value::Null)
        }
        "update_progress_event" => {
            ctx.update_progress_event(
                s(&args, "evid"),
                s(&args, "desc"),
                args.get("progress").and_then(Value::as_f64).unwrap_or(0.0),
                args.get("add_to_ceph_s")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            );
            CallResult::ok(Value::Null)
        }
        "complete_progress_event" => {
            ctx.complete_progress_event(s(&args, "evid"));
            CallResult::ok(Value::Null)
        }
        "clear_all_progress_events" => {
            ctx.clear_all_progress_events();
            CallResult::ok(Value::Null)
        }
        "cluster_log" => {
            ctx.cluster_log(
                s(&args, "channel"),
                args.get("prio").and_then(Value::as_i64).unwrap_or(1),
                s(&args, "message"),
            );
            CallResult::ok(Value::Null)
        }
        "log" => {
            ctx.log_line(s(&args, "line"));
            CallResult::ok(Value::Null)
        }
        // A worker's queued module log lines, in order (worker `Conn::log`).
        "logs" => {
            for line in args
                .get("lines")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                ctx.log_line(line.as_str().unwrap_or(""));
            }
            CallResult::ok(Value::Null)
        }
        "set_uri" => {
            ctx.set_uri(Some(s(&args, "uri")));
            CallResult::ok(Value::Null)
        }
        "get_active_uri" => CallResult::ok(json!(ctx
            .service_uri(ctx.module_name())
            .unwrap_or_default())),
        "get_ceph_conf_path" => CallResult::ok(json!("")),
        "set_device_wear_level" => {
            match ctx.set_device_wear_level(
                s(&args, "devid"),
                args.get("level").and_then(Value::as_f64).unwrap_or(0.0),
            ) {
                Ok(()) => CallResult::ok(Value::Null),
                Err(e) => CallResult::err("RuntimeError", e.to_string()),
            }
        }
        "register_client" | "unregister_client" => {
            ctx.register_client(s(&args, "addrs"), method == "register_client");
            CallResult::ok(Value::Null)
        }
        "remote" => {
            let bytes = match crate::b64_decode(s(&args, "args")) {
                Ok(b) => b,
                Err(e) => return CallResult::err("RuntimeError", e),
            };
            match ctx
                .remote(s(&args, "module"), s(&args, "method"), bytes)
                .await
            {
                Ok(out) => CallResult::ok(json!(crate::b64_encode(&out))),
                Err(RemoteError::ModuleNotFound) => {
                    CallResult::err("ImportError", "Module not found")
                }
                Err(RemoteError::MethodNotFound) => {
                    CallResult::err("NameError", "Method not found")
                }
                Err(e) => CallResult::err("RuntimeError", e.to_string()),
            }
        }
        "add_osd_perf_query" => CallResult::ok(
            perf.add_osd(&args)
                .map(|id| json!(id))
                .unwrap_or(Value::Null),
        ),
        "add_mds_perf_query" => CallResult::ok(
            perf.add_mds(&args)
                .map(|id| json!(id))
                .unwrap_or(Value::Null),
        ),
        "remove_osd_perf_query" | "remove_mds_perf_query" => {
            perf.remove(args.get("id").and_then(Value::as_i64).unwrap_or(-1));
            CallResult::ok(Value::Null)
        }
        "get_osd_perf_counters" => CallResult::ok(
            if perf.known(args.get("id").and_then(Value::as_i64).unwrap_or(-1)) {
                json!({"counters": []})
            } else {
                Value::Null
            },
        ),
        "get_mds_perf_counters" => CallResult::ok(
            if perf.known(args.get("id").and_then(Value::as_i64).unwrap_or(-1)) {
                json!({"metrics": [[], [], []]})
            } else {
                Value::Null
            },
        ),
        other => CallResult::err("RuntimeError", format!("rmgr does not implement {other}")),
    }
}
