//! The page around the data: a fixed HTML shell, the inline style and script (kept as files
//! in `assets/` so they read as CSS and JavaScript), and a Content-Security-Policy that
//! allows exactly these two by their SHA-256 hashes and images only from `data:` URIs.

use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::data::{ReportData, to_script_json};

pub const STYLE: &str = include_str!("assets/report.css");
pub const SCRIPT: &str = include_str!("assets/report.js");

/// `'sha256-…'` of an inline element's exact text, as CSP compares it.
fn csp_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// Nothing may load or run but the page's own style and script: no network, no injected
/// element can act even if escaping ever failed.
pub fn content_security_policy() -> String {
    format!(
        "default-src 'none'; img-src data:; style-src {}; script-src {}; base-uri 'none'; form-action 'none'",
        csp_hash(STYLE),
        csp_hash(SCRIPT)
    )
}

/// The whole page for this data.
pub fn render(data: &ReportData) -> serde_json::Result<String> {
    let json = to_script_json(data)?;
    let csp = content_security_policy();
    let mut html = String::with_capacity(json.len() + STYLE.len() + SCRIPT.len() + 4096);
    html.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    // The policy holds only hashes and keywords: nothing in it needs escaping.
    html.push_str(&format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n"
    ));
    html.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    html.push_str("<title>PhotoSync report</title>\n<style>");
    html.push_str(STYLE);
    html.push_str("</style>\n</head>\n<body>\n");
    html.push_str(BODY);
    html.push_str("<script type=\"application/json\" id=\"report-data\">");
    html.push_str(&json);
    html.push_str("</script>\n<script>");
    html.push_str(SCRIPT);
    html.push_str("</script>\n</body>\n</html>\n");
    Ok(html)
}

/// The static skeleton the script fills in. Nothing from the data is in here.
const BODY: &str = r#"<header>
<h1>PhotoSync report</h1>
<p id="generated" class="muted"></p>
</header>
<main>
<section aria-labelledby="overview-title" class="overview">
<h2 id="overview-title" class="visually-hidden">Overview</h2>
<div class="chart"><h3>Verdicts</h3><div id="verdict-chart" role="group" aria-label="Users by verdict (press to filter)"></div></div>
<div class="chart"><h3>Findings</h3><div id="finding-chart" role="group" aria-label="Users by finding (press to filter)"></div></div>
</section>
<section id="notes" aria-label="Notes about the run" hidden></section>
<form id="filters" class="filters" role="search" aria-label="Filter users">
<label>Verdict <select id="filter-verdict"><option value="">all</option><option value="problems">problems (not in sync)</option></select></label>
<label>Store <select id="filter-store"><option value="">all</option></select></label>
<label>Finding <select id="filter-finding"><option value="">all</option></select></label>
<label>Search <input id="filter-q" type="search" placeholder="name, UPN, mail, sAMAccountName" autocomplete="off"></label>
<button type="button" id="filter-clear">Clear filters</button>
</form>
<p id="shown" role="status" aria-live="polite"></p>
<table id="users">
<caption class="visually-hidden">Users, problems first: each store's picture side by side</caption>
<thead><tr><th scope="col" class="col-user">User</th><th scope="col" class="col-verdict">Verdict</th><th scope="col" class="col-pics">Pictures</th><th scope="col">Findings</th></tr></thead>
<tbody id="rows"></tbody>
</table>
<nav class="pager" aria-label="Pages"><button type="button" id="page-prev">Previous page</button> <span id="page-label"></span> <button type="button" id="page-next">Next page</button></nav>
<noscript><p>This report needs JavaScript to show its rows.</p></noscript>
</main>
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_hashes_match_the_inline_code_and_allow_no_network() {
        let csp = content_security_policy();
        assert!(csp.starts_with("default-src 'none'; img-src data:;"));
        assert!(csp.contains(&csp_hash(SCRIPT)) && csp.contains(&csp_hash(STYLE)));
        let page = render(&ReportData::default()).expect("page");
        // Exactly one executable script and one style, whose texts are what was hashed.
        assert_eq!(page.matches("<script>").count(), 1);
        assert_eq!(page.matches("<style>").count(), 1);
        assert!(page.contains(&format!("<script>{SCRIPT}</script>")));
        assert!(!page.contains("http://") && !page.contains("https://"));
    }
}
