/// The web console's style sheet: readable from a phone to a laptop, light and dark after the
/// system's `prefers-color-scheme`; timeline colours by disconnect cause.
enum ConsoleStyle {
    static let css = #"""
        :root {
          --bg: #ffffff; --fg: #1b1f24; --muted: #5c6570; --line: #d5dae0; --panel: #f4f6f8;
          --accent: #1f5fbf; --ok: #1a7f37; --bad: #c62828; --warn: #b26a00; --unknown: #8a8f98;
          --cause-clean: #6c8ebf; --cause-keepalive: #d9822b; --cause-network: #c62828;
          --cause-takeover: #8e44ad; --cause-auth: #ad1457; --cause-admin: #5d4037;
          --cause-server: #455a64; --cause-other: #9e9e9e;
          color-scheme: light;
        }
        @media (prefers-color-scheme: dark) {
          :root {
            --bg: #111418; --fg: #e6e9ed; --muted: #9aa4af; --line: #2e353d; --panel: #1a1f25;
            --accent: #6ea8fe; --ok: #3fb950; --bad: #f85149; --warn: #d29922; --unknown: #7d8590;
            --cause-clean: #7aa2d6; --cause-keepalive: #e8964a; --cause-network: #f26b6b;
            --cause-takeover: #b57edc; --cause-auth: #e05594; --cause-admin: #a1887f;
            --cause-server: #90a4ae; --cause-other: #757575;
            color-scheme: dark;
          }
        }
        * { box-sizing: border-box; }
        body { margin: 0; background: var(--bg); color: var(--fg);
          font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
        header { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.5rem;
          padding: .6rem 1rem; border-bottom: 1px solid var(--line); background: var(--panel); }
        header .brand { font-weight: 700; color: var(--fg); text-decoration: none; }
        nav { display: flex; gap: 1rem; flex-wrap: wrap; }
        nav a { color: var(--accent); text-decoration: none; padding: .2rem 0; }
        nav a.current { border-bottom: 2px solid var(--accent); }
        #token-form { margin-left: auto; display: flex; gap: .4rem; align-items: center; flex-wrap: wrap; }
        #token-form label { font-size: .85rem; color: var(--muted); }
        main { padding: 1rem; max-width: 1200px; margin: 0 auto; }
        h1 { font-size: 1.3rem; margin: .2rem 0 1rem; word-break: break-all; }
        h2 { font-size: 1.05rem; margin: 1.4rem 0 .5rem; }
        a { color: var(--accent); }
        input, select, button { font: inherit; color: var(--fg); background: var(--bg);
          border: 1px solid var(--line); border-radius: 4px; padding: .25rem .5rem; }
        button { cursor: pointer; background: var(--panel); }
        button.primary { background: var(--accent); color: #fff; border-color: var(--accent); }
        .muted { color: var(--muted); }
        .error, #notice.error { color: var(--bad); }
        #notice { margin: 0; padding: .5rem 1rem; background: var(--panel); border-bottom: 1px solid var(--line); }
        .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: .6rem; }
        .card { border: 1px solid var(--line); border-radius: 6px; padding: .6rem .8rem; background: var(--panel); }
        .card .value { font-size: 1.6rem; font-weight: 700; }
        .card.connected .value { color: var(--ok); }
        .card.disconnected .value { color: var(--bad); }
        .card.unknown .value { color: var(--unknown); }
        .scroll { overflow-x: auto; }
        table { border-collapse: collapse; width: 100%; font-size: .92rem; }
        th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { color: var(--muted); font-weight: 600; white-space: nowrap; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        td.id { word-break: break-all; min-width: 10rem; }
        td.labels { min-width: 16rem; max-width: 24rem; }
        td.since { white-space: nowrap; }
        td.summary, td.reason { overflow-wrap: anywhere; }
        .filters { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; margin: .5rem 0; }
        .filters label { display: flex; flex-direction: column; font-size: .8rem; color: var(--muted); }
        .pager { display: flex; gap: .5rem; align-items: center; margin: .6rem 0; }
        .badge { display: inline-block; padding: 0 .4rem; border-radius: 3px; font-size: .8rem;
          border: 1px solid var(--line); margin: 0 .2rem .2rem 0; white-space: nowrap; }
        .badge.firing, .badge.disconnected, .badge.failed { color: var(--bad); border-color: var(--bad); }
        .badge.pending, .badge.retrying { color: var(--warn); border-color: var(--warn); }
        .badge.connected, .badge.delivered, .badge.ok { color: var(--ok); border-color: var(--ok); }
        .badge.silenced, .badge.inhibited, .badge.held-back { color: var(--muted); }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0; }
        dl.facts dt { color: var(--muted); }
        dl.facts dd { margin: 0; word-break: break-all; }
        .timeline { width: 100%; height: auto; display: block; border: 1px solid var(--line);
          border-radius: 4px; background: var(--panel); }
        .timeline .axis { stroke: var(--line); }
        .timeline text { fill: var(--muted); font-size: 11px; }
        .timeline .period.connected { fill: var(--ok); }
        .timeline .period.unknown { fill: var(--unknown); opacity: .35; }
        .timeline .period.disconnected { fill: var(--cause-other); }
        .timeline .period.cause-clean { fill: var(--cause-clean); }
        .timeline .period.cause-keepalive_timeout { fill: var(--cause-keepalive); }
        .timeline .period.cause-network_closed { fill: var(--cause-network); }
        .timeline .period.cause-session_takeover { fill: var(--cause-takeover); }
        .timeline .period.cause-auth { fill: var(--cause-auth); }
        .timeline .period.cause-admin_kick { fill: var(--cause-admin); }
        .timeline .period.cause-server_shutdown, .timeline .period.cause-server_fault { fill: var(--cause-server); }
        .timeline .event { stroke: var(--fg); stroke-width: 1.5; }
        .timeline .event.FailedConnect { stroke: var(--bad); }
        .legend { display: flex; flex-wrap: wrap; gap: .3rem .9rem; font-size: .8rem; margin: .4rem 0; }
        .legend span::before { content: ""; display: inline-block; width: .8rem; height: .8rem;
          margin-right: .3rem; vertical-align: -1px; border-radius: 2px; background: var(--swatch); }
        .legend .sw-connected { --swatch: var(--ok); }
        .legend .sw-clean { --swatch: var(--cause-clean); }
        .legend .sw-keepalive { --swatch: var(--cause-keepalive); }
        .legend .sw-network { --swatch: var(--cause-network); }
        .legend .sw-takeover { --swatch: var(--cause-takeover); }
        .legend .sw-auth { --swatch: var(--cause-auth); }
        .legend .sw-other { --swatch: var(--cause-other); }
        .legend .sw-unknown { --swatch: var(--unknown); }
        form.silence { border: 1px solid var(--line); border-radius: 6px; padding: .8rem; margin: .6rem 0;
          background: var(--panel); display: grid; gap: .5rem; }
        form.silence .matcher { display: flex; gap: .4rem; flex-wrap: wrap; }
        .range { display: inline-flex; gap: .3rem; margin-left: .6rem; }
        .range button.current { background: var(--accent); color: #fff; }
        @media (max-width: 640px) {
          body { font-size: 14px; }
          main { padding: .6rem; }
          #token-form { margin-left: 0; width: 100%; }
          #token-form input { flex: 1; min-width: 0; }
          th, td { padding: .3rem .3rem; }
          .hide-narrow { display: none; }
        }

        """#
}
