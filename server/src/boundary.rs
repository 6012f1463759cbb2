//! The boundary between Hoard and the other pages a browser visits.
//!
//! "Listens on loopback" keeps other machines out, not other web sites: the
//! user's own browser visits them, and they can send requests to
//! `127.0.0.1`. Every request passes three checks here before any route runs,
//! and every answer leaves with headers that keep other pages out:
//!
//! 1. **Host.** Only the names Hoard serves are answered: loopback names,
//!    the listen address, IP literals when it listens on every address, and
//!    the names of `public_url` and `allowed_hosts`. A page on a domain an
//!    attacker re-points at 127.0.0.1 (DNS rebinding) is same-origin with
//!    itself, but it sends its own name as `Host`, and gets 421.
//! 2. **Where a request comes from.** Anything that can change the vault
//!    (every method but GET, HEAD and OPTIONS) must come from Hoard's own
//!    origin: `Sec-Fetch-Site: same-origin` (or `none`), else an `Origin`,
//!    else a `Referer` naming it. A request with none of them is refused
//!    too, so scripts say where they stand (README, "Security"). Reads by
//!    other sites are refused when the browser says they are not a top-level
//!    navigation (Fetch Metadata): another page may link to Hoard, not load
//!    its audio, covers or data. Server functions also need their real
//!    content type, so no "simple" request (`text/plain`, a form) reaches one.
//! 3. **Headers.** A Content-Security-Policy (inline scripts only with the
//!    page's nonce, WASM allowed, images and previews from Spotify's hosts),
//!    `Cross-Origin-Opener-Policy`, `Cross-Origin-Resource-Policy`, no
//!    framing, and a referrer only for Hoard itself.
//!
//! This is the model of Go's `http.CrossOriginProtection` and of the Fetch
//! Metadata resource isolation policy, made stricter by refusing requests
//! that say nothing of their origin.

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::config::Config;
use crate::router::AppState;

/// Where browsers send Content-Security-Policy violation reports.
pub const CSP_REPORT_PATH: &str = "/csp-report";

/// How many refused hosts or origins are remembered (and logged once each).
const REMEMBERED_REFUSALS: usize = 256;

/// CSP reports logged per minute at most: any page can send them.
const CSP_REPORTS_PER_MINUTE: u64 = 20;

/// Spotify's image and preview hosts (covers come from `i.scdn.co`,
/// `mosaic.scdn.co` and `*.spotifycdn.com`, previews from `p.scdn.co`).
const SPOTIFY_MEDIA_HOSTS: &str = "https://*.scdn.co https://*.spotifycdn.com";

/// What Hoard answers for, and the policy its answers carry.
pub struct Boundary {
    listen_ip: IpAddr,
    /// Names from `public_url` and `allowed_hosts`, lower case.
    names: HashSet<String>,
    /// `public_url`'s origin (`https://music.example.com`), which a proxy
    /// may send as `Origin` while passing a loopback `Host`.
    public_origin: Option<String>,
    /// The policy without a nonce; pages add theirs to `script-src`.
    csp_head: String,
    csp_tail: String,
    /// Whether the session cookie is `Secure` (`public_url` is https).
    pub secure_cookie: bool,
    refused: Mutex<HashSet<String>>,
    reports: Mutex<(u64, u64)>,
}

/// The nonce of one answer's policy: the page's inline scripts carry it
/// (`router.rs` hands it to Leptos), so only they run.
#[derive(Clone)]
pub struct PageNonce(pub Arc<str>);

impl PageNonce {
    fn new() -> Option<Self> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).ok()?;
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Some(PageNonce(hex.into()))
    }
}

/// Why a request was refused, as the client reads it.
struct Refusal {
    status: StatusCode,
    message: String,
}

impl Boundary {
    /// The boundary the settings describe.
    pub fn new(config: &Config) -> Self {
        let public = config.public_url();
        let mut names: HashSet<String> = config
            .allowed_hosts
            .iter()
            .map(|h| h.to_ascii_lowercase())
            .collect();
        if let Some(host) = public.as_ref().and_then(|u| u.host_str()) {
            names.insert(host.to_ascii_lowercase());
        }
        let public_origin = public.as_ref().map(|u| u.origin().ascii_serialization());
        let stand_in = |setting: &str, real: &str| {
            url::Url::parse(setting)
                .ok()
                .filter(|u| u.host_str() != Some(real))
                .map(|u| format!(" {}", u.origin().ascii_serialization()))
                .unwrap_or_default()
        };
        // A local stand-in for Spotify (demo, tests) serves covers and previews itself.
        let media = format!(
            "{SPOTIFY_MEDIA_HOSTS}{}",
            stand_in(&config.spotify_api_url, "api.spotify.com")
        );
        let accounts = url::Url::parse(&config.spotify_accounts_url)
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_default();
        Boundary {
            listen_ip: config.listen.ip(),
            names,
            public_origin,
            csp_head: "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'".into(),
            csp_tail: format!(
                "; style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' blob: {media}; \
                 media-src 'self' blob: {media}; connect-src 'self'; worker-src 'self'; \
                 manifest-src 'self'; form-action 'self' {accounts}; frame-ancestors 'none'; \
                 base-uri 'none'; report-uri {CSP_REPORT_PATH}"
            ),
            secure_cookie: public.is_some_and(|u| u.scheme() == "https"),
            refused: Mutex::default(),
            reports: Mutex::default(),
        }
    }

    /// Whether `host` (a `Host` header: name or address, maybe a port) is one Hoard serves.
    fn host_allowed(&self, host: &str) -> bool {
        let name = host_name(host).to_ascii_lowercase();
        let name = name.strip_suffix('.').unwrap_or(&name);
        if matches!(name, "localhost" | "127.0.0.1" | "[::1]") || self.names.contains(name) {
            return true;
        }
        // An address cannot be re-pointed: a page there is Hoard's own origin.
        match name
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        {
            Ok(ip) => ip.is_loopback() || ip == self.listen_ip || self.listen_ip.is_unspecified(),
            Err(_) => false,
        }
    }

    /// Whether `origin` is Hoard's own for a request that arrived for `host`.
    fn origin_allowed(&self, origin: &str, host: &str) -> bool {
        let origin = origin.to_ascii_lowercase();
        origin == format!("http://{}", host.to_ascii_lowercase())
            || self.public_origin.as_deref() == Some(origin.as_str())
    }

    /// Checks where a request comes from (step 2 of the module's list).
    fn check_source(&self, request: &Request, host: &str) -> Result<(), Refusal> {
        let headers = request.headers();
        let site = text(headers, "sec-fetch-site");
        let method = request.method();
        if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
            let foreign = matches!(site, Some("cross-site" | "same-site"));
            let navigation = text(headers, "sec-fetch-mode") == Some("navigate")
                && matches!(text(headers, "sec-fetch-dest"), None | Some("document"))
                && *method == Method::GET;
            // The now-playing widget is an image for other sites to show.
            let widget = request.uri().path().starts_with(crate::widget::PREFIX);
            if foreign && !navigation && !widget {
                return Err(self.refuse_source(
                    text(headers, "origin").unwrap_or("another site"),
                    "Another site may link to Hoard, but not load its pages, audio or covers into its own.",
                ));
            }
            return Ok(());
        }
        if request.uri().path() == CSP_REPORT_PATH {
            return Ok(());
        }
        match site {
            Some("same-origin" | "none") => return Ok(()),
            Some(_) => {
                return Err(self.refuse_source(
                    text(headers, "origin").unwrap_or("another site"),
                    "Only Hoard's own pages can change the vault or read it by POST.",
                ))
            }
            None => {}
        }
        let claimed = text(headers, "origin").map(str::to_owned).or_else(|| {
            text(headers, "referer")
                .and_then(|r| url::Url::parse(r).ok())
                .map(|u| u.origin().ascii_serialization())
        });
        match claimed {
            Some(origin) if self.origin_allowed(&origin, host) => Ok(()),
            // Subsonic apps are not browsers: they say nothing of where they
            // come from, and carry their own credentials in every request
            // (no cookie is honoured there), so a page elsewhere cannot act
            // through them. A browser's request from another site says so
            // (`Sec-Fetch-Site`, `Origin`) and is refused above or below.
            None if crate::subsonic::is_api_path(request.uri().path()) => Ok(()),
            Some(origin) => Err(self.refuse_source(
                &origin,
                "Only Hoard's own pages can change the vault or read it by POST.",
            )),
            None => Err(Refusal {
                status: StatusCode::FORBIDDEN,
                message: format!(
                    "Hoard refused this request: it does not say where it comes from. Browsers \
                     send an Origin header; a script must send `Origin: http://{host}` or \
                     `Sec-Fetch-Site: same-origin` (README, \"Security\")."
                ),
            }),
        }
    }

    fn refuse_source(&self, origin: &str, why: &str) -> Refusal {
        if self.first_refusal(&format!("origin {origin}")) {
            tracing::warn!(%origin, "refused a request from another origin (logged once per origin)");
        }
        Refusal {
            status: StatusCode::FORBIDDEN,
            message: format!("Hoard refused this request from {origin}. {why}"),
        }
    }

    fn refuse_host(&self, host: &str) -> Refusal {
        if self.first_refusal(&format!("host {host}")) {
            tracing::warn!(
                %host,
                "refused a request for a host name Hoard does not serve (logged once per host)"
            );
        }
        Refusal {
            status: StatusCode::MISDIRECTED_REQUEST,
            message: format!(
                "Hoard does not answer for the host name \"{host}\". It answers for 127.0.0.1, \
                 localhost and [::1]; to reach it under another name (through a reverse proxy), \
                 set `public_url` or add the name to `allowed_hosts`."
            ),
        }
    }

    /// True the first time `key` is refused; bounded, so a flood cannot grow it.
    fn first_refusal(&self, key: &str) -> bool {
        let Ok(mut seen) = self.refused.lock() else {
            return false;
        };
        if seen.contains(key) || seen.len() > REMEMBERED_REFUSALS {
            return false;
        }
        if seen.len() == REMEMBERED_REFUSALS {
            seen.insert(String::new());
            tracing::warn!("more refused hosts and origins; no longer logging new ones");
            return false;
        }
        seen.insert(key.to_owned())
    }

    /// The Content-Security-Policy, with a page's nonce when it has inline scripts.
    fn csp(&self, nonce: Option<&str>) -> String {
        match nonce {
            Some(n) => format!("{} 'nonce-{n}'{}", self.csp_head, self.csp_tail),
            None => format!("{}{}", self.csp_head, self.csp_tail),
        }
    }

    /// The headers every answer carries; a page's policy names its nonce.
    fn secure(&self, headers: &mut HeaderMap, nonce: Option<&PageNonce>) {
        let html = text(headers, "content-type").is_some_and(|t| t.starts_with("text/html"));
        let nonce = nonce.filter(|_| html).map(|n| &*n.0);
        if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
            if let Ok(value) = HeaderValue::from_str(&self.csp(nonce)) {
                headers.insert(header::CONTENT_SECURITY_POLICY, value);
            }
        }
        let fixed: [(HeaderName, &'static str); 5] = [
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::REFERRER_POLICY, "same-origin"),
            (
                HeaderName::from_static("cross-origin-opener-policy"),
                "same-origin",
            ),
            (
                HeaderName::from_static("cross-origin-resource-policy"),
                "same-origin",
            ),
        ];
        for (name, value) in fixed {
            // Only the widget sets its own resource policy (cross-origin).
            if name == "cross-origin-resource-policy" && headers.contains_key(&name) {
                continue;
            }
            headers.insert(name, HeaderValue::from_static(value));
        }
    }

    /// Whether another CSP report may be logged this minute.
    fn report_allowed(&self) -> bool {
        let minute = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() / 60)
            .unwrap_or_default();
        let Ok(mut window) = self.reports.lock() else {
            return false;
        };
        if window.0 != minute {
            *window = (minute, 0);
        }
        window.1 += 1;
        window.1 <= CSP_REPORTS_PER_MINUTE
    }
}

/// The host part of a `Host` header (`[::1]:3000` → `[::1]`, `a.example:80` → `a.example`).
fn host_name(host: &str) -> &str {
    if host.starts_with('[') {
        return host.split_inclusive(']').next().unwrap_or(host);
    }
    host.rsplit_once(':')
        .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
        .map_or(host, |(name, _)| name)
}

fn text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn refusal(refusal: Refusal) -> Response {
    (
        refusal.status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        refusal.message,
    )
        .into_response()
}

/// The middleware: the three checks, then the headers on whatever answers.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let boundary = &state.boundary;
    let host = text(request.headers(), "host")
        .map(str::to_owned)
        .or_else(|| request.uri().authority().map(|a| a.to_string()));
    let checked = match host {
        None => Err(Refusal {
            status: StatusCode::BAD_REQUEST,
            message: "Hoard refused this request: it names no host.".into(),
        }),
        Some(host) if !boundary.host_allowed(&host) => Err(boundary.refuse_host(&host)),
        Some(host) => boundary.check_source(&request, &host).and_then(|()| {
            server_function_content_type(&request).map_err(|message| Refusal {
                status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                message,
            })
        }),
    };
    let nonce = PageNonce::new();
    let mut response = match checked {
        Ok(()) => {
            let mut request = request;
            if let Some(nonce) = &nonce {
                request.extensions_mut().insert(nonce.clone());
            }
            next.run(request).await
        }
        Err(refused) => refusal(refused),
    };
    boundary.secure(response.headers_mut(), nonce.as_ref());
    response
}

/// Server functions take JSON: a form or `text/plain` body (which any page
/// may send without asking) never reaches one.
fn server_function_content_type(request: &Request) -> Result<(), String> {
    if !request.uri().path().starts_with("/api/") || request.method() == Method::GET {
        return Ok(());
    }
    let media_type = text(request.headers(), "content-type")
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if media_type.as_deref() == Some("application/json") {
        Ok(())
    } else {
        Err(format!(
            "Hoard's server functions take `Content-Type: application/json`, not {}.",
            media_type.map_or("a body without a type".into(), |t| format!("`{t}`"))
        ))
    }
}

/// `POST /csp-report`: a browser reports content the policy blocked. The
/// report is logged (a few a minute at most) so a violation shows in the
/// server's log and fails the browser tests.
pub async fn csp_report(State(state): State<AppState>, body: axum::body::Bytes) -> Response {
    let boundary = &state.boundary;
    if !boundary.report_allowed() {
        return StatusCode::NO_CONTENT.into_response();
    }
    let report: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let field = |name: &str| {
        report["csp-report"][name]
            .as_str()
            .map(|s| s.chars().take(200).collect::<String>())
            .unwrap_or_default()
    };
    tracing::warn!(
        directive = %field("effective-directive"),
        blocked = %field("blocked-uri"),
        document = %field("document-uri"),
        source = %format!("{}:{}", field("source-file"), report["csp-report"]["line-number"]),
        "content security policy violation"
    );
    (StatusCode::NO_CONTENT, Body::empty()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boundary(edit: impl FnOnce(&mut Config)) -> Boundary {
        let mut config = Config::default();
        edit(&mut config);
        Boundary::new(&config)
    }

    #[test]
    fn loopback_names_and_declared_names_are_served_and_others_are_not() {
        let b = boundary(|c| {
            c.allowed_hosts = vec!["Music.Example".into()];
        });
        for host in [
            "127.0.0.1:3000",
            "localhost:3000",
            "LOCALHOST",
            "localhost.:3000",
            "[::1]:3000",
            "127.0.0.2:8080",
            "music.example",
            "music.example:443",
        ] {
            assert!(b.host_allowed(host), "{host}");
        }
        for host in [
            "attacker.example:3000",
            "127.0.0.1.attacker.example",
            "localhost.attacker.example",
            "192.168.1.5:3000",
            "evil.localhost:3000",
            "",
        ] {
            assert!(!b.host_allowed(host), "{host}");
        }
    }

    #[test]
    fn on_every_address_any_ip_literal_is_served_but_still_no_other_name() {
        let b = boundary(|c| {
            c.listen = "0.0.0.0:3000".parse().expect("addr");
            c.public_url = Some("https://music.example.com/".into());
        });
        assert!(b.host_allowed("192.168.1.5:3000"));
        assert!(b.host_allowed("[fe80::1]:3000"));
        assert!(b.host_allowed("music.example.com"));
        assert!(!b.host_allowed("attacker.example"));
        assert!(b.secure_cookie);
        assert!(b.origin_allowed("https://music.example.com", "127.0.0.1:3000"));
        assert!(!b.origin_allowed("http://music.example.com", "127.0.0.1:3000"));
    }

    #[test]
    fn an_origin_must_match_the_host_exactly() {
        let b = boundary(|_| {});
        assert!(b.origin_allowed("http://127.0.0.1:3000", "127.0.0.1:3000"));
        assert!(!b.origin_allowed("http://localhost:3000", "127.0.0.1:3000"));
        assert!(!b.origin_allowed("http://127.0.0.1:3001", "127.0.0.1:3000"));
        assert!(!b.origin_allowed("https://127.0.0.1:3000", "127.0.0.1:3000"));
        assert!(!b.origin_allowed("null", "127.0.0.1:3000"));
        assert!(!b.secure_cookie);
    }

    #[test]
    fn host_names_lose_their_port() {
        assert_eq!(host_name("[::1]:3000"), "[::1]");
        assert_eq!(host_name("[::1]"), "[::1]");
        assert_eq!(host_name("a.example:80"), "a.example");
        assert_eq!(host_name("a.example"), "a.example");
    }

    #[test]
    fn the_policy_names_the_stand_in_only_when_there_is_one() {
        let real = boundary(|_| {}).csp(Some("abc"));
        assert!(
            real.contains("script-src 'self' 'wasm-unsafe-eval' 'nonce-abc';"),
            "{real}"
        );
        assert!(
            real.contains("form-action 'self' https://accounts.spotify.com;"),
            "{real}"
        );
        let scripts = real
            .split(';')
            .find(|d| d.contains("script-src"))
            .expect("script-src");
        assert!(
            !scripts.contains("unsafe-inline") && !real.contains("http://"),
            "{real}"
        );
        let mock = boundary(|c| {
            c.spotify_api_url = "http://127.0.0.1:3001/v1/".into();
            c.spotify_accounts_url = "http://127.0.0.1:3001/".into();
        })
        .csp(None);
        assert!(mock.contains("img-src 'self' blob: https://*.scdn.co https://*.spotifycdn.com http://127.0.0.1:3001;"), "{mock}");
        assert!(!mock.contains("nonce"), "{mock}");
    }

    #[test]
    fn refusals_are_remembered_a_bounded_number_of_times() {
        let b = boundary(|_| {});
        assert!(b.first_refusal("host a"));
        assert!(!b.first_refusal("host a"));
        for i in 0..1000 {
            b.first_refusal(&format!("host {i}"));
        }
        assert!(b.refused.lock().expect("lock").len() <= REMEMBERED_REFUSALS + 1);
    }
}
