//! The page shell (header, navigation by role, main, footer), the login
//! pages and the error page, and small formatting helpers.

use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use maud::{DOCTYPE, Markup, html};
use outreach_shared::access::Role;
use outreach_shared::ja::{self, Label};

use super::session::Session;
use super::{PageError, text};

fn html_response(m: Markup) -> Response {
    let mut r = Html(m.into_string()).into_response();
    let h = r.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    r
}

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) "｜" (text::APP_SHORT) }
            link rel="stylesheet" href="/console/static/console.css";
        }
    }
}

/// The navigation entries of a role: (key, label, href).
fn nav(role: Role) -> &'static [(&'static str, &'static str, &'static str)] {
    match role {
        Role::Supervisor => &[
            ("reviews", text::NAV_REVIEWS, "/console/reviews"),
            ("team", text::NAV_TEAM, "/console/team"),
            ("devices", text::NAV_DEVICES, "/console/devices"),
            ("cases", text::NAV_CASES, "/console/cases"),
            ("resources", text::NAV_RESOURCES, "/console/resources"),
            ("community", text::NAV_COMMUNITY, "/console/community"),
            ("report", text::NAV_REPORT, "/console/report"),
            ("audit", text::NAV_AUDIT, "/console/audit"),
        ],
        Role::Coordinator => &[
            ("cases", text::NAV_CASES, "/console/cases"),
            ("referral", text::NAV_REFERRAL, "/console/referrals"),
            ("resources", text::NAV_RESOURCES, "/console/resources"),
            ("community", text::NAV_COMMUNITY, "/console/community"),
            ("report", text::NAV_REPORT, "/console/report"),
            ("audit", text::NAV_AUDIT, "/console/audit"),
        ],
        Role::AgencyMember => &[
            ("cases", text::NAV_CASES, "/console/cases"),
            ("referral", text::NAV_REFERRAL, "/console/referrals"),
        ],
        Role::OutreachWorker => &[],
    }
}

/// A full page for a logged-in user.
pub fn page(
    session: &Session,
    title: &str,
    active: &str,
    flash: Option<&str>,
    body: Markup,
) -> Response {
    html_response(html! {
        (DOCTYPE)
        html lang="ja" {
            (head(title))
            body {
                header.top {
                    div.brand {
                        a href="/console" { (text::APP_NAME) }
                    }
                    nav.main aria-label="メニュー" {
                        @for (key, label, href) in nav(session.role()) {
                            a href=(href) class=(if *key == active { "on" } else { "" }) { (label) }
                        }
                    }
                    div.who {
                        span.role { (session.role().ja()) }
                        span.name title=(session.role().ja()) { (session.user.display_name) }
                        form.inline method="post" action="/console/logout" {
                            input type="hidden" name="csrf" value=(session.csrf);
                            button.link type="submit" { (text::LOGOUT) }
                        }
                    }
                }
                main {
                    h1 { (title) }
                    @if let Some(f) = flash {
                        p.flash role="status" { (f) }
                    }
                    (body)
                }
                footer { (text::ORG_LINE) }
            }
        }
    })
}

/// The login form.
pub fn login_page(csrf: &str, message: Option<&str>) -> Response {
    html_response(html! {
        (DOCTYPE)
        html lang="ja" {
            (head(text::LOGIN_TITLE))
            body.login {
                main.card {
                    p.brand { (text::APP_NAME) }
                    h1 { (text::LOGIN_TITLE) }
                    @if let Some(m) = message {
                        p.notice role="alert" { (m) }
                    }
                    p { (text::LOGIN_LEAD) }
                    form method="post" action="/console/login" {
                        input type="hidden" name="csrf" value=(csrf);
                        label for="username" { (text::USERNAME) }
                        input #username type="text" name="username" autocomplete="username" required autofocus;
                        label for="password" { (text::PASSWORD) }
                        input #password type="password" name="password" autocomplete="current-password" required;
                        button.primary #login type="submit" { (text::LOGIN_BUTTON) }
                    }
                    p.small { (text::ORG_LINE) }
                }
            }
        }
    })
}

/// The TOTP step of the login.
pub fn totp_page(csrf: &str, message: Option<&str>) -> Response {
    html_response(html! {
        (DOCTYPE)
        html lang="ja" {
            (head(text::TOTP_TITLE))
            body.login {
                main.card {
                    p.brand { (text::APP_NAME) }
                    h1 { (text::TOTP_TITLE) }
                    @if let Some(m) = message {
                        p.notice role="alert" { (m) }
                    }
                    p { (text::TOTP_LEAD) }
                    form method="post" action="/console/login/totp" {
                        input type="hidden" name="csrf" value=(csrf);
                        label for="code" { (text::TOTP_CODE) }
                        input #code type="text" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required autofocus;
                        button.primary type="submit" { (text::TOTP_BUTTON) }
                    }
                }
            }
        }
    })
}

/// An error page (works without a session).
pub fn error_page(e: &PageError) -> Response {
    let mut r = html_response(html! {
        (DOCTYPE)
        html lang="ja" {
            (head(e.title))
            body.login {
                main.card {
                    p.brand { (text::APP_NAME) }
                    h1 { (e.title) }
                    p.notice role="alert" { (e.message) }
                    p { a href="/console" { (text::BACK_TO_TOP) } }
                }
            }
        }
    });
    *r.status_mut() = e.status;
    r
}

/// 令和 date and Tokyo time of an instant.
pub fn when(at: DateTime<Utc>) -> String {
    ja::local_datetime(at)
}

/// 令和 date.
pub fn day(d: NaiveDate) -> String {
    ja::era_date(d)
}

/// The short form of an id for display (first 8 hex digits).
pub fn short_id(id: &impl std::fmt::Display) -> String {
    id.to_string().chars().take(8).collect()
}
