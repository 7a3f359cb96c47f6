extension ConsoleScript {
    /// The rules and health page: each rule with its open alerts, the feeds, the receivers' last
    /// delivery and the configuration's last reload.
    static let health = #"""
        // Rules and health: each rule with its open alerts; the feeds (brokers), the receivers' last
        // delivery and the configuration's last reload.
        views.health = async function () {
          const [rules, brokers, status] = await Promise.all([api('GET', '/api/v1/rules'), api('GET', '/api/v1/brokers'),
            api('GET', '/api/v1/status')]);
          const ruleRows = rules.rules.map((r) => el('tr', { class: 'rule-row', 'data-rule': r.name },
            td(r.name), td(r.kind), td(r.match || 'every client', 'id'), td(r.duration, 'num'), td(r.severity),
            td(r.openAlerts.firing ? badge(r.openAlerts.firing + ' firing', 'firing') : '0', 'num'),
            td(r.openAlerts.pending ? badge(r.openAlerts.pending + ' pending', 'pending') : '0', 'num'),
            td(r.receivers.join(', ') || 'defaults', 'hide-narrow')));
          const brokerRows = brokers.brokers.map((b) => el('tr', { class: 'broker-row', 'data-broker': b.name },
            td(b.name), td(badge(b.connected ? 'connected' : 'disconnected')), td(formatTime(b.since)),
            td(b.reason || '', 'hide-narrow'), td(b.message || ''), td(String(b.consecutiveFailures), 'num')));
          const receiverRows = status.receivers.map((r) => el('tr', { class: 'receiver-row', 'data-receiver': r.name },
            td(r.name), td(r.type), td(String(r.sent), 'num'), td(String(r.failed), 'num'),
            td(r.last ? [badge(r.last.outcome), ' ', formatTime(r.last.time)] : el('span', { class: 'muted' }, 'none yet')),
            td(r.last && r.last.detail ? r.last.detail : '')));
          return [el('h1', {}, 'Rules & health'),
            el('dl', { class: 'facts', id: 'daemon-status' }, el('dt', {}, 'Version'), el('dd', {}, status.version),
              el('dt', {}, 'Running since'), el('dd', {}, formatTime(status.startTime) + ' (' + since(status.startTime) + ')'),
              el('dt', {}, 'Last reload'), el('dd', {}, badge(status.reload.successful ? 'ok' : 'failed'),
                ' last applied ' + formatTime(status.reload.lastSuccessTime))),
            el('h2', {}, 'Rules'),
            table(['Rule', 'Kind', 'Match', ['For / window', 'num'], 'Severity', ['Firing', 'num'], ['Pending', 'num'],
              ['Receivers', 'hide-narrow']], ruleRows, { id: 'rules' }),
            el('h2', {}, 'Feeds'),
            table(['Broker', 'Feed', 'Since', ['Reason', 'hide-narrow'], 'Last failure', ['Failures', 'num']], brokerRows,
              { id: 'brokers' }),
            el('h2', {}, 'Receivers'),
            receiverRows.length ? table(['Receiver', 'Type', ['Sent', 'num'], ['Failed', 'num'], 'Last result', 'Detail'],
              receiverRows, { id: 'receivers' }) : el('p', { class: 'muted' }, 'No receiver is configured.')];
        };

        """#
}
