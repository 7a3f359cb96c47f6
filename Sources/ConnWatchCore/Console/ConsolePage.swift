/// The web console's one HTML page: a frame of navigation and a token form; `console.js` draws each
/// view into `<main>` from the API's JSON. No inline script or style (the CSP forbids both).
enum ConsolePage {
    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="color-scheme" content="light dark">
        <title>connwatch</title>
        <link rel="icon" href="data:,">
        <link rel="stylesheet" href="/console.css">
        <script src="/console.js" defer></script>
        </head>
        <body>
        <header>
          <a class="brand" href="#/fleet">connwatch</a>
          <nav>
            <a href="#/fleet" data-view="fleet">Fleet</a>
            <a href="#/alerts" data-view="alerts">Alerts</a>
            <a href="#/health" data-view="health">Rules &amp; health</a>
          </nav>
          <form id="token-form" autocomplete="off">
            <label for="token-input">API token</label>
            <input id="token-input" type="password" autocomplete="off" placeholder="bearer token (if configured)">
            <button type="submit">Use</button>
            <button type="button" id="token-forget">Forget</button>
          </form>
        </header>
        <p id="notice" role="status" hidden></p>
        <main id="view"><p class="muted">Loading…</p></main>
        <noscript>The connwatch console needs JavaScript; the JSON API is at /api/v1 and /api/v0002.</noscript>
        </body>
        </html>

        """#
}
