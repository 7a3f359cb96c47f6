extension ConsoleScript {
    /// The fleet page: counts by broker, client type and type id, and the clients of one status a keyset
    /// page at a time (the API's bookmark), newest change first.
    static let fleet = #"""
        // Fleet: counts by broker, client type and type id; the clients of a status, newest change
        // first, one keyset page at a time (the API's bookmark), so it stays fast whatever the fleet's size.
        const fleetPages = { key: '', stack: [] };
        const PAGE_SIZE = 50;
        const MAX_GROUPS = 100;

        // Newest change first, or by id. The store keeps the offline clients in disconnect order and the
        // connected ones in connect order, so newest first is as fast as by id at any fleet size.
        function fleetSort(status, order) {
          if (order === 'id') return 'id';
          if (status === 'disconnected') return '-lastDisconnectTime';
          if (status === 'connected') return '-lastConnectTime';
          return 'id';
        }

        function countLink(count, params) {
          return count ? el('a', { href: '#/fleet' + query(params) }, String(count)) : '0';
        }

        function fleetCounts(fleet) {
          const totals = fleet.clients;
          const cards = el('div', { class: 'cards', id: 'fleet-totals' },
            ['total', 'connected', 'disconnected', 'unknown'].map((name) =>
              el('div', { class: 'card ' + name, 'data-status': name },
                el('div', { class: 'muted' }, name), el('div', { class: 'value' }, String(totals[name])))));
          const shown = fleet.groups.slice().sort((a, b) => b.disconnected - a.disconnected).slice(0, MAX_GROUPS);
          const rows = shown.map((g) => el('tr', {},
            td(g.broker), td(g.clientType), td(g.typeId, 'id'),
            ['connected', 'disconnected', 'unknown'].map((status) => td(countLink(g[status],
              { status, broker: g.broker, clientType: g.clientType, typeId: g.typeId }), 'num'))));
          return [cards, el('h2', {}, 'By broker, client type and type id'),
            table(['Broker', 'Client type', 'Type id', ['Connected', 'num'], ['Disconnected', 'num'], ['Unknown', 'num']],
              rows, { id: 'fleet-groups' }),
            fleet.groups.length > MAX_GROUPS ? el('p', { class: 'muted' }, 'The ' + MAX_GROUPS + ' groups with the most ' +
              'disconnected clients of ' + fleet.groups.length + '.') : null];
        }

        // The brokers the counts name, and the one asked for even when it has no client now.
        function brokerNames(fleet, selected) {
          const names = new Set(fleet.groups.map((g) => g.broker));
          if (selected) names.add(selected);
          return [...names].sort();
        }

        function fleetFilters(params, fleet) {
          const broker = el('select', { name: 'broker', id: 'fleet-broker' }, ['', ...brokerNames(fleet, params.broker)]
            .map((value) => el('option', { value, selected: params.broker === value }, value || 'any broker')));
          const status = el('select', { name: 'status' }, [['disconnected', 'offline'], ['connected', 'connected'],
            ['unknown', 'unknown'], ['all', 'all']].map(([value, label]) =>
            el('option', { value, selected: params.status === value }, label)));
          const clientType = el('select', { name: 'clientType' }, ['', 'device', 'gateway', 'application',
            'scalable-application', 'unknown'].map((value) =>
            el('option', { value, selected: params.clientType === value }, value || 'any type')));
          const typeId = el('input', { name: 'typeId', value: params.typeId, placeholder: 'type id', size: 12 });
          const order = el('select', { name: 'order' }, [['', 'automatic'], ['newest', 'newest first'], ['id', 'by id']]
            .map(([value, label]) => el('option', { value, selected: params.order === value }, label)));
          const search = el('input', { name: 'q', value: params.q, placeholder: 'device id or full client id',
            type: 'search', size: 24, id: 'fleet-search' });
          const form = el('form', { class: 'filters', id: 'fleet-filters' },
            el('label', {}, 'Status', status), el('label', {}, 'Broker', broker), el('label', {}, 'Client type', clientType),
            el('label', {}, 'Type id', typeId), el('label', {}, 'Order', order), el('label', {}, 'Search', search),
            el('button', { type: 'submit' }, 'Apply'));
          form.addEventListener('submit', (event) => {
            event.preventDefault();
            navigate('fleet', { status: status.value, broker: broker.value, clientType: clientType.value,
              typeId: typeId.value.trim(),
              q: search.value.trim(), order: order.value, limit: params.limit });
          });
          return form;
        }

        async function fleetClients(params) {
          if (params.q.includes(':')) {
            try {
              const one = await api('GET', '/api/v0002/clientconnectionstates/' + encodeURIComponent(params.q));
              return { results: [one] };
            } catch (error) {
              if (error.status === 404) return { results: [] };
              throw error;
            }
          }
          return api('GET', '/api/v0002/clientconnectionstates' + query({
            connectionStatus: params.status === 'all' ? '' : params.status,
            broker: params.broker, clientType: params.clientType, typeId: params.typeId, deviceId: params.q,
            _sort: fleetSort(params.status, params.order), _limit: params.limit || PAGE_SIZE, _bookmark: params.page,
          }));
        }

        function clientRow(c) {
          const offline = c.connectionStatus === 'disconnected';
          return el('tr', { 'data-client-id': c.id, class: 'client-row' },
            td(clientLink(c.id), 'id'),
            td(badge(c.connectionStatus)),
            td(offline ? since(c.lastDisconnectTime) : '', 'num offline-for'),
            td(formatTime(offline ? c.lastDisconnectTime : c.lastConnectTime), 'hide-narrow'),
            td(c.cause || ''), td(c.disconnectedBy || '', 'hide-narrow'),
            td(c.reasonCode === undefined ? '' : String(c.reasonCode), 'num hide-narrow'),
            td(c.reason || '', 'reason'),
            td([c.clientType, c.typeId ? ' / ' + c.typeId : ''], 'hide-narrow'), td(c.broker, 'hide-narrow'));
        }

        views.fleet = async function (rest, hashParams) {
          const params = {
            status: hashParams.get('status') || 'disconnected', broker: hashParams.get('broker') || '',
            clientType: hashParams.get('clientType') || '',
            typeId: hashParams.get('typeId') || '', q: hashParams.get('q') || '', page: hashParams.get('page') || '',
            limit: /^[0-9]{1,3}$/.test(hashParams.get('limit') || '') ? hashParams.get('limit') : '',
            order: ['id', 'newest'].includes(hashParams.get('order')) ? hashParams.get('order') : '',
          };
          const key = [params.status, params.broker, params.clientType, params.typeId, params.q, params.limit,
            params.order].join('\u0000');
          if (fleetPages.key !== key || !params.page) fleetPages.stack = [];
          fleetPages.key = key;
          // The counts and the page do not depend on each other: both requests go out at once.
          const [fleet, page] = await Promise.all([api('GET', '/api/v1/fleet'), fleetClients(params)]);
          const noun = params.status === 'disconnected' ? 'Offline' : params.status === 'all' ? 'All' :
            params.status[0].toUpperCase() + params.status.slice(1);
          const heading = noun + ' clients' + (params.broker ? ' of ' + params.broker : '') +
            (fleetSort(params.status, params.order) === 'id' ? ' by id' : ', newest first');
          const rows = page.results.map(clientRow);
          const pager = el('div', { class: 'pager' },
            el('button', { type: 'button', id: 'page-first', disabled: !params.page, onclick: () => {
              fleetPages.stack = [];
              navigate('fleet', { ...params, page: '' });
            } }, 'First'),
            el('button', { type: 'button', id: 'page-previous', disabled: !params.page, onclick: () => {
              navigate('fleet', { ...params, page: fleetPages.stack.pop() || '' });
            } }, 'Previous'),
            el('button', { type: 'button', id: 'page-next', disabled: !page.bookmark, onclick: () => {
              fleetPages.stack.push(params.page);
              navigate('fleet', { ...params, page: page.bookmark });
            } }, 'Next'),
            el('span', { class: 'muted' }, rows.length + ' shown'));
          return [el('h1', {}, 'Fleet'), ...fleetCounts(fleet), el('h2', {}, heading), fleetFilters(params, fleet),
            rows.length ? table(['Client', 'Status', ['Offline for', 'num'], ['Since', 'hide-narrow'], 'Cause',
              ['By', 'hide-narrow'], ['Code', 'num hide-narrow'], 'Reason', ['Type', 'hide-narrow'],
              ['Broker', 'hide-narrow']], rows, { id: 'fleet-clients' }) : el('p', { class: 'muted', id: 'fleet-empty' },
              'No client matches.'), pager];
        };

        """#
}
