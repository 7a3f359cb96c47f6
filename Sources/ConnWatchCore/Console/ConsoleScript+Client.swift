extension ConsoleScript {
    /// The client page: state and labels, an SVG timeline of connected and disconnected periods coloured
    /// by cause from the connection log (each period's reason in its `<title>`), the log and the alerts.
    static let client = #"""
        // Client: its state and labels, a timeline of its connected and disconnected periods drawn from
        // the connection log, the log itself and its alerts.
        const RANGES = { '24h': 24 * 3600 * 1000, '7d': 7 * 24 * 3600 * 1000 };
        const CAUSE_LEGEND = [['connected', 'connected'], ['clean', 'clean'], ['keepalive', 'keepalive timeout'],
          ['network', 'network closed'], ['takeover', 'session takeover'], ['auth', 'auth'], ['other', 'other cause'],
          ['unknown', 'unknown']];

        // Periods over [start, end] from the log (newest first, as the API gives it): the state before
        // the first entry of the range is the one its last applied entry before the range left.
        function timelinePeriods(entries, start, end) {
          const applied = entries.filter((e) => e.applied && e.action !== 'FailedConnect')
            .map((e) => ({ ...e, time: new Date(e.timestamp).getTime() })).sort((a, b) => a.time - b.time);
          const periods = [];
          let current = { state: 'unknown', start, entry: null };
          for (const entry of applied) {
            const state = entry.action === 'Connect' ? 'connected' : 'disconnected';
            if (entry.time <= start) {
              current = { state, start, entry };
              continue;
            }
            if (entry.time > end) break;
            if (entry.time > current.start) periods.push({ ...current, end: entry.time });
            current = { state, start: entry.time, entry };
          }
          periods.push({ ...current, end });
          return periods;
        }

        function periodTitle(p) {
          const parts = [p.state, formatTime(p.start) + ' \u2192 ' + formatTime(p.end), formatDuration(p.end - p.start)];
          const e = p.entry;
          if (e && p.state === 'disconnected') {
            if (e.cause) parts.push('cause ' + e.cause);
            if (e.disconnectedBy) parts.push('by ' + e.disconnectedBy);
            if (e.reasonCode !== undefined) parts.push('code ' + e.reasonCode);
            if (e.reason) parts.push(e.reason);
          }
          return parts.join(' \u00b7 ');
        }

        function timeline(entries, rangeName) {
          const span = RANGES[rangeName];
          const end = Date.now();
          const start = end - span;
          const width = 1000;
          const x = (t) => ((t - start) / span) * width;
          const root = svg('svg', { viewBox: '0 0 ' + width + ' 64', class: 'timeline', id: 'timeline', role: 'img',
            'aria-label': 'connection timeline, last ' + rangeName, 'data-start': new Date(start).toISOString(),
            'data-end': new Date(end).toISOString(), preserveAspectRatio: 'none' });
          for (const p of timelinePeriods(entries, start, end)) {
            const cause = p.state === 'disconnected' && p.entry && p.entry.cause ? p.entry.cause : '';
            root.append(svg('rect', {
              class: 'period ' + p.state + (cause ? ' cause-' + cause.replace(/[^a-z_]/g, '') : ''),
              x: x(p.start).toFixed(2), y: 8, width: Math.max(0.5, x(p.end) - x(p.start)).toFixed(2), height: 28,
              'data-state': p.state, 'data-cause': cause, 'data-start': new Date(p.start).toISOString(),
              'data-end': new Date(p.end).toISOString(), 'data-reason': p.entry && p.entry.reason ? p.entry.reason : '',
            }, svg('title', {}, periodTitle(p))));
          }
          for (const e of entries) {
            const t = new Date(e.timestamp).getTime();
            if (t < start || t > end) continue;
            const tip = [e.action, formatTime(t), e.applied ? '' : '(out of order, not applied)', e.cause || '',
              e.reasonCode === undefined ? '' : 'code ' + e.reasonCode, e.reason || ''].filter(Boolean).join(' \u00b7 ');
            root.append(svg('line', { class: 'event ' + e.action, x1: x(t).toFixed(2), x2: x(t).toFixed(2), y1: 4, y2: 40,
              'data-time': new Date(t).toISOString(), 'data-action': e.action }, svg('title', {}, tip)));
          }
          root.append(svg('line', { class: 'axis', x1: 0, x2: width, y1: 44, y2: 44 }));
          for (let i = 0; i <= 4; i++) {
            const t = start + (span * i) / 4;
            const d = new Date(t);
            const label = rangeName === '24h' ? pad(d.getHours()) + ':' + pad(d.getMinutes()) :
              (d.getMonth() + 1) + '/' + d.getDate() + ' ' + pad(d.getHours()) + 'h';
            root.append(svg('text', { x: Math.min(width - 40, Math.max(2, x(t) - 18)), y: 60 }, label));
          }
          return root;
        }

        function legend() {
          return el('div', { class: 'legend' }, CAUSE_LEGEND.map(([cls, label]) => el('span', { class: 'sw-' + cls }, label)));
        }

        function facts(c) {
          const rows = [['Status', badge(c.connectionStatus)], ['Client type', c.clientType], ['Type id', c.typeId],
            ['Device id', c.deviceId], ['Org id', c.orgId], ['App id', c.appId], ['Broker', c.broker],
            ['Last connect', formatTime(c.lastConnectTime)], ['Last disconnect', formatTime(c.lastDisconnectTime)],
            ['Offline for', c.connectionStatus === 'disconnected' ? since(c.lastDisconnectTime) : ''],
            ['Disconnected by', c.disconnectedBy], ['Cause', c.cause],
            ['Reason code', c.reasonCode === undefined ? '' : String(c.reasonCode)], ['Reason', c.reason],
            ['Address', c.clientAddress], ['Protocol', c.mqttConnectProtocol], ['Transport', c.transport]];
          return el('dl', { class: 'facts', id: 'client-facts' },
            rows.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
        }

        function logTable(entries) {
          return table(['Time', 'Action', 'Cause', ['By', 'hide-narrow'], ['Code', 'num'], 'Reason',
            ['Address', 'hide-narrow']], entries.map((e) => el('tr', { class: e.applied ? '' : 'muted' },
            td(formatTime(e.timestamp)), td(e.action + (e.applied ? '' : ' (not applied)')), td(e.cause || ''),
            td(e.disconnectedBy || '', 'hide-narrow'), td(e.reasonCode === undefined ? '' : String(e.reasonCode), 'num'),
            td(e.reason || '', 'reason'), td(e.clientAddress || '', 'hide-narrow'))), { id: 'client-log' });
        }

        views.client = async function (rest, params) {
          const id = decodeURIComponent(rest);
          const rangeName = params.get('range') === '7d' ? '7d' : '24h';
          const [state, entries, alerts] = await Promise.all([
            api('GET', '/api/v0002/clientconnectionstates/' + encodeURIComponent(id)),
            api('GET', '/api/v0002/logs/connection' + query({ clientId: id, limit: 1000 })),
            api('GET', '/api/v1/alerts' + query({ client: id })),
          ]);
          const own = alerts.filter((a) => a.labels && a.labels.client_id === id);
          const ranges = el('span', { class: 'range' }, Object.keys(RANGES).map((name) => el('button', {
            type: 'button', class: name === rangeName ? 'current' : '', 'data-range': name,
            onclick: () => navigate('client/' + encodeURIComponent(id), { range: name }),
          }, name)));
          return [el('h1', { id: 'client-title' }, id), facts(state),
            el('h2', {}, 'Timeline', ranges), timeline(entries, rangeName), legend(),
            el('h2', {}, 'Alerts'), own.length ? alertTable(own) : el('p', { class: 'muted' }, 'No open alert.'),
            el('h2', {}, 'Connection log'), entries.length ? logTable(entries) : el('p', { class: 'muted' }, 'No entries.')];
        };

        """#
}
