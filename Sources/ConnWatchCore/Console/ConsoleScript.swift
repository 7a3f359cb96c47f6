/// The web console's script, served as `/console.js` (the Content-Security-Policy allows no inline
/// script). Feed texts are inserted as text nodes and attribute values only, never as HTML; the
/// token is read from `sessionStorage` and sent as an `Authorization` header, never in a URL.
enum ConsoleScript {
    /// The whole script: helpers and routing first, then each page, then the start.
    static var source: String { [core, fleet, client, alerts, health, boot].joined(separator: "\n") }

    /// Helpers (elements, the API, formatting) and the hash router.
    static let core = #"""
        'use strict';
        // connwatch web console. Every text from the feed (client ids, reasons, labels) is hostile: it is
        // only ever inserted as a text node or an attribute value, never parsed as HTML.
        const TOKEN_KEY = 'connwatch.token';
        const SVG_NS = 'http://www.w3.org/2000/svg';
        let renderGeneration = 0;
        let flashText = '';

        function token() {
          return sessionStorage.getItem(TOKEN_KEY) || '';
        }

        // C0 controls and DEL shown as their Unicode control pictures, so they are visible and inert.
        function visible(text) {
          return String(text).replace(/[\u0000-\u001f\u007f]/g, (c) => {
            const code = c.charCodeAt(0);
            return String.fromCharCode(code === 0x7f ? 0x2421 : 0x2400 + code);
          });
        }

        function setAttrs(node, attrs) {
          for (const [name, value] of Object.entries(attrs || {})) {
            if (value === undefined || value === null || value === false) continue;
            if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
            else node.setAttribute(name, String(value));
          }
        }

        function append(node, children) {
          for (const child of children.flat(Infinity)) {
            if (child === undefined || child === null || child === false) continue;
            node.append(child instanceof Node ? child : document.createTextNode(visible(child)));
          }
          return node;
        }

        function el(tag, attrs, ...children) {
          const node = document.createElement(tag);
          setAttrs(node, attrs);
          return append(node, children);
        }

        function svg(tag, attrs, ...children) {
          const node = document.createElementNS(SVG_NS, tag);
          setAttrs(node, attrs);
          return append(node, children);
        }

        class APIError extends Error {
          constructor(status, message) {
            super(message);
            this.status = status;
          }
        }

        // Same-origin JSON request; the token goes in the Authorization header, never in a URL.
        async function api(method, path, body) {
          const headers = { Accept: 'application/json' };
          if (token()) headers.Authorization = 'Bearer ' + token();
          const init = { method, headers, cache: 'no-store', credentials: 'omit', redirect: 'error' };
          if (body !== undefined) {
            headers['Content-Type'] = 'application/json';
            init.body = JSON.stringify(body);
          }
          const response = await fetch(path, init);
          const text = await response.text();
          let data = null;
          try {
            data = text ? JSON.parse(text) : null;
          } catch (e) {
            data = null;
          }
          if (!response.ok) throw new APIError(response.status, (data && data.error) || 'HTTP ' + response.status);
          const total = response.headers.get('X-Total-Count');
          if (Array.isArray(data) && total !== null) data.totalCount = Number(total);
          return data;
        }

        function query(params) {
          const search = new URLSearchParams();
          for (const [name, value] of Object.entries(params)) {
            if (value !== undefined && value !== null && value !== '') search.set(name, value);
          }
          const text = search.toString();
          return text ? '?' + text : '';
        }

        function clientLink(id) {
          return el('a', { href: '#/client/' + encodeURIComponent(id), class: 'client-link' }, id);
        }

        function pad(n) {
          return String(n).padStart(2, '0');
        }

        function formatTime(value) {
          if (!value) return '';
          const d = new Date(value);
          if (isNaN(d)) return String(value);
          return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' +
            pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
        }

        function formatDuration(ms) {
          if (ms === undefined || ms === null || isNaN(ms)) return '';
          let s = Math.max(0, Math.floor(ms / 1000));
          const d = Math.floor(s / 86400); s -= d * 86400;
          const h = Math.floor(s / 3600); s -= h * 3600;
          const m = Math.floor(s / 60); s -= m * 60;
          if (d) return d + 'd ' + h + 'h';
          if (h) return h + 'h ' + m + 'm';
          if (m) return m + 'm ' + s + 's';
          return s + 's';
        }

        function since(value) {
          return value ? formatDuration(Date.now() - new Date(value).getTime()) : '';
        }

        function badge(text, kind) {
          return el('span', { class: 'badge ' + (kind || text) }, text);
        }

        function table(headers, rows, attrs) {
          const head = el('tr', {}, headers.map((h) => {
            const [label, cls] = Array.isArray(h) ? h : [h, ''];
            return el('th', { class: cls || undefined }, label);
          }));
          return el('div', { class: 'scroll' }, el('table', attrs || {}, el('thead', {}, head), el('tbody', {}, rows)));
        }

        function td(content, cls) {
          return el('td', { class: cls || undefined }, content);
        }

        function notice(text, isError) {
          const node = document.getElementById('notice');
          node.textContent = text ? visible(text) : '';
          node.hidden = !text;
          node.className = isError ? 'error' : '';
        }

        // A message for the next page drawn (route() clears the notice otherwise).
        function flash(text) {
          flashText = text;
        }

        function showError(error) {
          if (error instanceof APIError && error.status === 401) {
            notice('The API needs a bearer token: enter it above (it is kept for this tab only).', true);
            document.getElementById('token-input').focus();
          } else {
            notice('Error: ' + (error && error.message ? error.message : String(error)), true);
          }
          const main = document.getElementById('view');
          main.replaceChildren(el('p', { class: 'muted' }, 'No data.'));
          main.setAttribute('data-loaded', 'error');
        }

        function parseHash() {
          const hash = location.hash.replace(/^#\/?/, '');
          const mark = hash.indexOf('?');
          const path = mark < 0 ? hash : hash.slice(0, mark);
          const params = new URLSearchParams(mark < 0 ? '' : hash.slice(mark + 1));
          const parts = path.split('/');
          return { view: parts[0] || 'fleet', rest: parts.slice(1).join('/'), params };
        }

        const views = {};

        async function route() {
          const { view, rest, params } = parseHash();
          const generation = ++renderGeneration;
          for (const link of document.querySelectorAll('nav a')) {
            link.classList.toggle('current', link.dataset.view === view || (view === 'client' && link.dataset.view === 'fleet'));
          }
          const main = document.getElementById('view');
          main.setAttribute('data-loaded', '');
          notice(flashText);
          flashText = '';
          const show = views[view] || views.fleet;
          try {
            const content = await show(rest, params);
            if (generation !== renderGeneration) return;
            main.replaceChildren();
            append(main, content);
            main.setAttribute('data-loaded', view in views ? view : 'fleet');
          } catch (error) {
            if (generation === renderGeneration) showError(error);
          }
        }

        function navigate(view, params) {
          const target = '#/' + view + query(params || {});
          if (location.hash === target) route();
          else location.hash = target;
        }

        """#

    /// The token form and the first route.
    static let boot = #"""
        function boot() {
          const form = document.getElementById('token-form');
          const input = document.getElementById('token-input');
          form.addEventListener('submit', (event) => {
            event.preventDefault();
            if (input.value) sessionStorage.setItem(TOKEN_KEY, input.value.trim());
            input.value = '';
            input.placeholder = token() ? 'token set for this tab' : 'bearer token (if configured)';
            route();
          });
          document.getElementById('token-forget').addEventListener('click', () => {
            sessionStorage.removeItem(TOKEN_KEY);
            input.placeholder = 'bearer token (if configured)';
            route();
          });
          if (token()) input.placeholder = 'token set for this tab';
          window.addEventListener('hashchange', route);
          route();
        }

        document.addEventListener('DOMContentLoaded', boot);

        """#
}
