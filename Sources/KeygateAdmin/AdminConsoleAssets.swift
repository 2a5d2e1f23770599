/// The web console at `/` on the admin listener: one page, one script, one style sheet, part of the binary (no CDN, no
/// build step). The script builds every element with `textContent` (nothing is parsed as HTML), keeps the admin key in
/// `sessionStorage` and sends it as a header (never in a URL, no cookie), and talks only to the admin API.
public enum AdminConsoleAssets {
    /// What the page may load: its own script and style, requests to its own origin, nothing inline.
    public static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    public static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>keygate console</title>
        <link rel="stylesheet" href="/console.css">
        <script src="/console.js" defer></script>
        </head>
        <body>
        <header>
          <h1>keygate</h1>
          <nav aria-label="Main"><a href="#/overview">Overview</a> <a href="#/keys">Keys</a> <a href="#/create">Create a key</a></nav>
          <button type="button" id="sign-out" hidden>Sign out</button>
        </header>
        <main id="main" tabindex="-1"><noscript>The console needs JavaScript.</noscript></main>
        <p id="status" role="status" aria-live="polite"></p>
        </body>
        </html>

        """#

    public static let css = #"""
        :root { color-scheme: light dark; --accent: #2563eb; --bad: #b91c1c; --muted: #6b7280; }
        * { box-sizing: border-box; }
        body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 72rem; padding: 0 1rem 2rem; }
        header { display: flex; flex-wrap: wrap; align-items: center; gap: 1rem; border-bottom: 1px solid #8884; }
        header h1 { font-size: 1.2rem; margin: .6rem 0; }
        nav a { margin-right: .8rem; }
        #sign-out { margin-left: auto; }
        a { color: var(--accent); }
        a:focus, button:focus, input:focus, select:focus { outline: 3px solid var(--accent); outline-offset: 2px; }
        main:focus { outline: none; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #8883; vertical-align: top; }
        form { display: grid; gap: .6rem; max-width: 36rem; margin: 1rem 0; }
        label { display: grid; gap: .2rem; font-weight: 600; }
        label span.hint { font-weight: 400; color: var(--muted); font-size: .9em; }
        input, select, button { font: inherit; padding: .4rem .55rem; }
        button { cursor: pointer; }
        button.danger { color: #fff; background: var(--bad); border: 0; }
        .secret { display: flex; gap: .5rem; flex-wrap: wrap; padding: .8rem; border: 2px solid var(--accent); margin: 1rem 0; }
        .secret input { flex: 1 1 20rem; font-family: ui-monospace, monospace; }
        .error { color: var(--bad); }
        .row { display: flex; gap: .5rem; flex-wrap: wrap; align-items: end; }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
        dt { font-weight: 600; }
        dd { margin: 0; overflow-wrap: anywhere; }
        svg.chart { width: 100%; height: 12rem; }
        p.big { font-size: 1.6rem; font-weight: 600; }
        svg.chart rect.admitted { fill: var(--accent); }
        svg.chart rect.rejected { fill: var(--bad); }
        .legend span { margin-right: 1rem; }
        .legend .a::before, .legend .r::before { content: ""; display: inline-block; width: .8em; height: .8em; margin-right: .3em; }
        .legend .a::before { background: var(--accent); }
        .legend .r::before { background: var(--bad); }
        @media (max-width: 40rem) {
          table.keys thead { display: none; }
          table.keys tr { display: block; border-bottom: 1px solid #8886; padding: .4rem 0; }
          table.keys td { display: block; border: 0; padding: .1rem 0; }
          table.keys td::before { content: attr(data-label) ": "; font-weight: 600; }
        }

        """#

    public static let script = #"""
        "use strict";
        (() => {
          const main = document.getElementById("main");
          const status = document.getElementById("status");
          const signOut = document.getElementById("sign-out");
          const storageName = "keygate-admin-key";

          function el(tag, attributes, ...children) {
            const node = document.createElement(tag);
            for (const [name, value] of Object.entries(attributes || {})) {
              if (name === "on") { for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler); }
              else if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value === true ? "" : String(value));
            }
            for (const child of children.flat(Infinity)) {
              if (child === null || child === undefined) continue;
              node.append(child instanceof Node ? child : document.createTextNode(String(child)));
            }
            return node;
          }
          function show(...nodes) {
            main.replaceChildren(...nodes.filter((node) => node !== null && node !== undefined));
            main.focus({ preventScroll: true });
            window.scrollTo(0, 0);
          }
          function say(text, isError) { status.textContent = text; status.className = isError ? "error" : ""; }
          function key() { return sessionStorage.getItem(storageName); }

          async function api(method, path, body, headers) {
            const init = { method, headers: Object.assign({ "Authorization": "Bearer " + key() }, headers || {}) };
            if (body !== undefined) { init.headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
            const response = await fetch(path, init);
            const text = await response.text();
            let data = null;
            try { data = text ? JSON.parse(text) : null; } catch (error) { data = null; }
            if (response.status === 401) { sessionStorage.removeItem(storageName); signIn("That admin key was refused."); throw new Error("unauthenticated"); }
            if (!response.ok) { throw new Error((data && data.detail) || ("HTTP " + response.status)); }
            return { data, etag: response.headers.get("ETag") };
          }
          function guard(action) {
            return async (event) => {
              if (event) event.preventDefault();
              try { say(""); await action(event); } catch (error) { if (error.message !== "unauthenticated") say(error.message, true); }
            };
          }
          function list(text) { return text.split(",").map((part) => part.trim()).filter((part) => part.length > 0); }

          function signIn(message) {
            signOut.hidden = true;
            const input = el("input", { id: "admin-key", type: "password", autocomplete: "off", required: true, spellcheck: "false" });
            const form = el("form", { on: { submit: guard(async () => {
              sessionStorage.setItem(storageName, input.value.trim());
              await api("GET", "/v1/keys?limit=1");
              location.hash = "#/keys";
              route();
            }) } },
              el("label", { for: "admin-key" }, "Admin key", el("span", { class: "hint" }, "kgadmin_…, from keygate admin-keys create; kept in this tab only"), input),
              el("button", { type: "submit" }, "Sign in"));
            show(el("h2", {}, "Sign in"), message ? el("p", { class: "error", role: "alert" }, message) : null, form);
            input.focus();
          }

          async function keysPage() {
            const search = el("input", { id: "search", type: "search", placeholder: "name starts with…" });
            const state = el("select", { id: "state" }, ["", "active", "disabled", "revoked", "all"].map((value) => el("option", { value }, value || "not revoked")));
            const body = el("tbody");
            const more = el("button", { type: "button", hidden: true }, "Load more");
            let cursor = null;
            async function load(reset) {
              if (reset) { body.replaceChildren(); cursor = null; }
              const query = new URLSearchParams({ limit: "50" });
              if (search.value) query.set("name_prefix", search.value);
              if (state.value) query.set("status", state.value);
              if (cursor) query.set("cursor", cursor);
              const { data } = await api("GET", "/v1/keys?" + query.toString());
              for (const item of data.keys) {
                body.append(el("tr", {},
                  el("td", { "data-label": "Name" }, el("a", { href: "#/keys/" + encodeURIComponent(item.id) }, item.name)),
                  el("td", { "data-label": "Owner" }, item.owner || "–"),
                  el("td", { "data-label": "Status" }, item.status),
                  el("td", { "data-label": "Prefix" }, item.prefix + "…"),
                  el("td", { "data-label": "Limits" }, summary(item.policies))));
              }
              cursor = data.next_cursor;
              more.hidden = !cursor;
              say(body.children.length + " keys shown");
            }
            const form = el("form", { class: "row", role: "search", on: { submit: guard(() => load(true)) } },
              el("label", { for: "search" }, "Search by name", search), el("label", { for: "state" }, "Status", state),
              el("button", { type: "submit" }, "Search"));
            more.addEventListener("click", guard(() => load(false)));
            show(el("h2", {}, "Keys"), form,
              el("table", { class: "keys" }, el("thead", {}, el("tr", {}, ["Name", "Owner", "Status", "Prefix", "Limits"].map((h) => el("th", { scope: "col" }, h)))), body),
              more);
            await load(true);
          }

          function summary(policies) {
            const parts = policies.limits.concat(policies.quotas.map((quota) => "quota " + quota));
            if (policies.credits) parts.push("credits " + policies.credits.initial);
            return parts.length ? parts.join(", ") : "none";
          }

          function secretBox(secret) {
            const field = el("input", { id: "secret", readonly: true, value: secret, "aria-label": "The new key" });
            const copy = el("button", { type: "button", id: "copy", on: { click: guard(async () => { await navigator.clipboard.writeText(secret); say("Copied."); }) } }, "Copy");
            const done = el("button", { type: "button", id: "stored" }, "I have stored it");
            const box = el("div", { class: "secret", role: "alert" },
              el("strong", {}, "The key, shown this once: keygate keeps only its SHA-256."), field, copy, done);
            done.addEventListener("click", () => box.remove());
            return box;
          }

          function createPage() {
            const fields = [["name", "Name", true, ""], ["owner", "Owner", false, "who the key belongs to"],
              ["scopes", "Scopes", false, "comma-separated, e.g. read, write"], ["limits", "Rate limits", false, "e.g. 100/s, 5000/hour"],
              ["quotas", "Quotas", false, "e.g. 1000000/month"]];
            const inputs = {};
            const form = el("form", { on: { submit: guard(async () => {
              const body = { name: inputs.name.value };
              if (inputs.owner.value) body.owner = inputs.owner.value;
              for (const name of ["scopes", "limits", "quotas"]) { if (inputs[name].value) body[name] = list(inputs[name].value); }
              const { data } = await api("POST", "/v1/keys", body, { "Idempotency-Key": crypto.randomUUID() });
              form.reset();
              show(el("h2", {}, "Key created"), secretBox(data.key), el("p", {}, el("a", { href: "#/keys/" + encodeURIComponent(data.id), id: "created-link" }, "Open " + data.name)));
            }) } }, fields.map(([name, text, required, hint]) => {
              inputs[name] = el("input", { id: "new-" + name, name, required });
              return el("label", { for: "new-" + name }, text, hint ? el("span", { class: "hint" }, hint) : null, inputs[name]);
            }), el("button", { type: "submit" }, "Create key"));
            show(el("h2", {}, "Create a key"), form);
          }

          function chart(days) {
            const ns = "http://www.w3.org/2000/svg";
            const width = 600, height = 160, gap = 2;
            const top = Math.max(1, ...days.map((day) => day.admitted + day.rejected));
            const svg = document.createElementNS(ns, "svg");
            svg.setAttribute("class", "chart");
            svg.setAttribute("viewBox", "0 0 " + width + " " + height);
            svg.setAttribute("role", "img");
            svg.setAttribute("aria-label", "Requests per day over the last " + days.length + " days, admitted and rejected");
            const slot = width / days.length;
            days.forEach((day, index) => {
              const group = document.createElementNS(ns, "g");
              group.setAttribute("class", "day");
              group.setAttribute("data-day", day.day);
              const title = document.createElementNS(ns, "title");
              title.textContent = day.day + ": " + day.admitted + " admitted, " + day.rejected + " rejected";
              group.append(title);
              let y = height;
              for (const [kind, count] of [["admitted", day.admitted], ["rejected", day.rejected]]) {
                const size = count / top * (height - 4);
                const bar = document.createElementNS(ns, "rect");
                bar.setAttribute("class", kind);
                bar.setAttribute("x", String(index * slot + gap / 2));
                bar.setAttribute("width", String(Math.max(1, slot - gap)));
                bar.setAttribute("y", String(y - size));
                bar.setAttribute("height", String(size));
                group.append(bar);
                y -= size;
              }
              svg.append(group);
            });
            return svg;
          }

          async function keyPage(id) {
            const path = "/v1/keys/" + encodeURIComponent(id);
            const [{ data: item, etag }, { data: usage }, { data: audit }] = await Promise.all([
              api("GET", path), api("GET", path + "/usage?days=30"),
              api("GET", "/v1/audit?limit=10&key_id=" + encodeURIComponent(id))]);
            // The limits as they stand now (nothing spent); a server without a decision path says so.
            const state = await api("GET", path + "/limits").then((answer) => answer.data, () => null);
            const inWords = (seconds) => seconds < 120 ? seconds + " s" : seconds < 7200 ? Math.round(seconds / 60) + " min"
              : seconds < 172800 ? Math.round(seconds / 3600) + " h" : Math.round(seconds / 86400) + " days";
            const now = state === null ? el("p", {}, "The limit state cannot be read now.")
              : state.limits.length === 0 ? el("p", {}, "No limits.")
              : el("table", { id: "limit-state" }, el("thead", {}, el("tr", {}, ["Limit", "Remaining", "Of", "Resets in"].map((h) => el("th", { scope: "col" }, h)))),
                el("tbody", {}, state.limits.map((limit) => el("tr", {}, el("td", {}, limit.name), el("td", {}, String(limit.remaining)),
                  el("td", {}, String(limit.limit)), el("td", {}, inWords(limit.reset_seconds))))));
            const details = el("dl", {}, [["Id", item.id], ["Owner", item.owner || "–"], ["Status", item.status], ["Prefix", item.prefix + "…"],
              ["Scopes", item.scopes.join(" ") || "–"], ["Limits", summary(item.policies)], ["Plan", item.plan || "–"],
              ["Created", item.created_at], ["Expires", item.expires_at || "never"], ["Last used", item.last_used_at || "never"]]
              .map(([name, value]) => [el("dt", {}, name), el("dd", {}, value)]));
            const limits = el("input", { id: "edit-limits", value: item.policies.limits.join(", ") });
            const quotas = el("input", { id: "edit-quotas", value: item.policies.quotas.join(", ") });
            const edit = el("form", { on: { submit: guard(async () => {
              await api("PATCH", path, { limits: list(limits.value), quotas: list(quotas.value) }, { "If-Match": etag });
              say("Limits changed.");
              await keyPage(id);
            }) } }, el("h3", {}, "Change limits"),
              el("label", { for: "edit-limits" }, "Rate limits", el("span", { class: "hint" }, "comma-separated, empty for none"), limits),
              el("label", { for: "edit-quotas" }, "Quotas", quotas), el("button", { type: "submit" }, "Save limits"));
            const revoked = item.status === "revoked";
            const actions = el("div", { class: "row" },
              el("button", { type: "button", id: "rotate", disabled: revoked, on: { click: guard(async () => {
                const { data } = await api("POST", path + "/rotate", { grace: "24h" });
                await keyPage(id);
                main.prepend(secretBox(data.key));
              }) } }, "Rotate (old key works 24 h more)"),
              el("button", { type: "button", id: "revoke", class: "danger", disabled: revoked, on: { click: guard(async () => {
                if (!confirm("Revoke " + item.name + " for good?")) return;
                await api("POST", path + "/revoke");
                say("Revoked.");
                await keyPage(id);
              }) } }, "Revoke"));
            const entries = el("table", {}, el("thead", {}, el("tr", {}, ["At", "Actor", "Action", "Detail"].map((h) => el("th", { scope: "col" }, h)))),
              el("tbody", {}, audit.entries.map((entry) => el("tr", {}, el("td", {}, entry.at), el("td", {}, entry.actor), el("td", {}, entry.action), el("td", {}, entry.detail)))));
            const total = usage.days.reduce((sum, day) => ({ a: sum.a + day.admitted, r: sum.r + day.rejected }), { a: 0, r: 0 });
            show(el("h2", {}, item.name), actions, details, el("h3", {}, "Limits now"), now,
              el("h3", {}, "Requests per day, last 30 days"), chart(usage.days),
              el("p", { class: "legend" }, el("span", { class: "a" }, "admitted " + total.a), el("span", { class: "r" }, "rejected " + total.r)),
              revoked ? null : edit, el("h3", {}, "Recent audit entries"), entries);
          }

          let poller = null;
          async function overviewPage() {
            const rate = el("p", { id: "rate", class: "big" }, "measuring…");
            const body = el("tbody");
            show(el("h2", {}, "Overview"), el("p", {}, "This host's decisions, from its metrics, every 2 seconds."), rate,
              el("h3", {}, "Denials by reason"),
              el("table", { id: "denials" }, el("thead", {}, el("tr", {}, ["Reason", "Per second", "Since keygate started"].map((h) => el("th", { scope: "col" }, h)))), body));
            let previous = null;
            async function tick() {
              const { data } = await api("GET", "/v1/decisions");
              const seconds = previous ? Math.max(0.001, (data.at_ms - previous.at_ms) / 1000) : null;
              const perSecond = (name) => seconds === null ? "–" : ((data.decisions[name] - (previous.decisions[name] || 0)) / seconds).toFixed(1);
              if (seconds !== null) {
                const total = Object.keys(data.decisions).reduce((sum, name) => sum + data.decisions[name] - (previous.decisions[name] || 0), 0);
                rate.textContent = (total / seconds).toFixed(1) + " decisions per second (" + perSecond("allow") + " allowed)";
              }
              const denials = Object.entries(data.decisions).filter(([name, count]) => name !== "allow" && count > 0).sort((a, b) => b[1] - a[1]);
              body.replaceChildren(...denials.map(([name, count]) => el("tr", {}, el("td", {}, name), el("td", {}, perSecond(name)), el("td", {}, count))));
              previous = data;
            }
            await tick();
            poller = setInterval(guard(tick), 2000);
          }

          const route = guard(async () => {
            if (poller) { clearInterval(poller); poller = null; }
            if (!key()) { signIn(); return; }
            signOut.hidden = false;
            const hash = location.hash || "#/keys";
            if (hash.startsWith("#/keys/")) await keyPage(decodeURIComponent(hash.slice(7)));
            else if (hash === "#/create") createPage();
            else if (hash === "#/overview") await overviewPage();
            else await keysPage();
          });
          signOut.addEventListener("click", () => { sessionStorage.removeItem(storageName); signIn(); });
          window.addEventListener("hashchange", route);
          route();
        })();

        """#
}
