extension ConsoleScript {
    /// The alerts page: firing and pending alerts with their silenced, inhibited and held-back state and
    /// receivers; silences, created from an alert (its labels as matchers) and expired.
    static let alerts = #"""
        // Alerts: firing and pending, with what the notifier does with each (silenced, inhibited, held
        // back, receivers); silences, created from an alert with its labels as matchers, and expired.
        const SILENCE_LABELS = ['alertname', 'client_id', 'type_id', 'broker'];

        function alertStates(a) {
          const states = [badge(a.state)];
          if (a.silencedBy && a.silencedBy.length) states.push(badge('silenced'));
          if (a.inhibitedBy && a.inhibitedBy.length) states.push(badge('inhibited'));
          else if (a.inhibited) states.push(badge('held back', 'held-back'));
          return states;
        }

        // The labels besides those the row shows in its own columns.
        function labelBadges(labels) {
          return Object.entries(labels || {}).filter(([name]) => !['alertname', 'client_id', 'device_id'].includes(name))
            .map(([name, value]) => badge(name + '=' + value, 'label'));
        }

        function alertTable(alerts, withActions) {
          return table(['State', 'Rule', 'Client', ['Labels', 'hide-narrow'], 'For', 'Receivers', 'Summary'],
            alerts.map((a) => el('tr', { class: 'alert-row', 'data-fingerprint': a.fingerprint, 'data-rule': a.rule },
              td([alertStates(a), withActions ? el('button', { type: 'button', class: 'silence-alert',
                onclick: (event) => openSilenceForm(a, event.target) }, 'Silence…') : null]),
              td(a.rule), td(a.labels.client_id ? clientLink(a.labels.client_id) : '', 'id'),
              td(labelBadges(a.labels), 'hide-narrow labels'),
              el('td', { title: formatTime(a.activeSince), class: 'since' }, since(a.activeSince)),
              td((a.receivers || []).join(', ')),
              td((a.annotations && (a.annotations.summary || a.annotations.description)) || '', 'summary'))),
            { class: 'alerts' });
        }

        function matcherRow(name, value) {
          const row = el('div', { class: 'matcher' },
            el('input', { class: 'matcher-name', value: name, size: 12, 'aria-label': 'label name' }),
            el('span', {}, '='),
            el('input', { class: 'matcher-value', value, size: 28, 'aria-label': 'label value' }));
          row.append(el('button', { type: 'button', onclick: () => row.remove() }, 'remove'));
          return row;
        }

        function openSilenceForm(alert, button) {
          document.querySelectorAll('form.silence').forEach((f) => f.remove());
          const matchers = el('div', { class: 'matchers' }, SILENCE_LABELS.filter((n) => alert.labels[n] !== undefined)
            .map((n) => matcherRow(n, alert.labels[n])));
          const duration = el('select', { name: 'duration' }, [['1', '1 hour'], ['4', '4 hours'], ['24', '1 day'],
            ['168', '7 days']].map(([value, label]) => el('option', { value, selected: value === '4' }, label)));
          const comment = el('input', { name: 'comment', size: 40, placeholder: 'why (shown to others)', required: true });
          const author = el('input', { name: 'createdBy', size: 16, value: 'console' });
          const status = el('span', { class: 'muted' });
          const form = el('form', { class: 'silence', id: 'silence-form' },
            el('strong', {}, 'New silence for ' + alert.rule), matchers,
            el('button', { type: 'button', onclick: () => matchers.append(matcherRow('', '')) }, 'add matcher'),
            el('label', {}, 'Duration ', duration), el('label', {}, 'Comment ', comment),
            el('label', {}, 'Created by ', author),
            el('div', {}, el('button', { type: 'submit', class: 'primary' }, 'Create silence'), ' ',
              el('button', { type: 'button', onclick: () => form.remove() }, 'Cancel'), ' ', status));
          form.addEventListener('submit', async (event) => {
            event.preventDefault();
            const list = [...matchers.querySelectorAll('.matcher')].map((row) => ({
              name: row.querySelector('.matcher-name').value.trim(), value: row.querySelector('.matcher-value').value,
              isRegex: false, isEqual: true,
            })).filter((m) => m.name);
            const endsAt = new Date(Date.now() + Number(duration.value) * 3600 * 1000).toISOString();
            try {
              const created = await api('POST', '/api/v1/silences',
                { matchers: list, endsAt, comment: comment.value, createdBy: author.value || 'console' });
              flash('Silence ' + created.silenceID + ' created.');
              route();
            } catch (error) {
              status.textContent = visible(error.message);
              status.className = 'error';
            }
          });
          const row = button.closest('.scroll') || button.parentNode;
          row.parentNode.insertBefore(form, row);
          comment.focus();
        }

        function silenceRow(s) {
          const matchers = s.matchers.map((m) => m.name + (m.isEqual ? '' : '!') + (m.isRegex ? '=~' : '=') +
            JSON.stringify(m.value)).join(', ');
          const canExpire = s.source === 'api' && s.status.state !== 'expired';
          return el('tr', { class: 'silence-row', 'data-silence-id': s.id, 'data-state': s.status.state },
            td(badge(s.status.state, s.status.state === 'active' ? 'ok' : s.status.state)), td(matchers),
            td(formatTime(s.startsAt), 'hide-narrow'), td(formatTime(s.endsAt)), td(s.createdBy || '', 'hide-narrow'),
            td(s.comment || ''), td(s.source, 'hide-narrow'),
            td(canExpire ? el('button', { type: 'button', class: 'expire-silence', onclick: async () => {
              try {
                await api('DELETE', '/api/v1/silences/' + encodeURIComponent(s.id));
                flash('Silence ' + s.id + ' expired.');
                route();
              } catch (error) {
                showError(error);
              }
            } }, 'Expire') : ''));
        }

        views.alerts = async function () {
          const [alerts, silences] = await Promise.all([api('GET', '/api/v1/alerts'), api('GET', '/api/v1/silences')]);
          const firing = alerts.filter((a) => a.state === 'firing');
          const pending = alerts.filter((a) => a.state !== 'firing');
          const current = silences.filter((s) => s.status.state !== 'expired');
          const expired = silences.filter((s) => s.status.state === 'expired');
          const silenceHeaders = ['State', 'Matchers', ['Starts', 'hide-narrow'], 'Ends', ['By', 'hide-narrow'],
            'Comment', ['Source', 'hide-narrow'], ''];
          const listed = alerts.totalCount !== undefined && alerts.totalCount > alerts.length ?
            el('p', { class: 'muted', id: 'alerts-listed' }, 'Listing the first ' + alerts.length + ' of ' +
              alerts.totalCount + ' alerts (firing first).') : null;
          return [el('h1', {}, 'Alerts'), listed,
            el('h2', {}, 'Firing (' + firing.length + ')'),
            firing.length ? alertTable(firing, true) : el('p', { class: 'muted' }, 'Nothing is firing.'),
            el('h2', {}, 'Pending (' + pending.length + ')'),
            pending.length ? alertTable(pending, true) : el('p', { class: 'muted' }, 'Nothing is pending.'),
            el('h2', {}, 'Silences'),
            current.length ? table(silenceHeaders, current.map(silenceRow), { id: 'silences' }) :
              el('p', { class: 'muted', id: 'silences' }, 'No active or pending silence.'),
            expired.length ? el('details', {}, el('summary', {}, 'Expired (' + expired.length + ')'),
              table(silenceHeaders, expired.map(silenceRow), { id: 'expired-silences' })) : null];
        };

        """#
}
