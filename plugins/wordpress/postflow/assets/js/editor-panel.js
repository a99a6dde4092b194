/* global wp, window */
// The PostFlow panel in the block editor's document sidebar. Plain JavaScript on WordPress's own packages (wp.plugins,
// wp.editPost, wp.data, wp.components): no build step, nothing loaded from elsewhere. The choices are post meta
// (registered with show_in_rest), saved with the post; deliveries and channels come from the plugin's REST routes.
(function () {
  const { registerPlugin } = wp.plugins;
  const { PluginDocumentSettingPanel } = wp.editPost;
  const { createElement: h, Fragment, useEffect, useState } = wp.element;
  const { ToggleControl, SelectControl, TextControl, TextareaControl, CheckboxControl, Button, Notice, Spinner, ExternalLink } = wp.components;
  const { useSelect, useDispatch } = wp.data;
  const apiFetch = wp.apiFetch;
  const { __, sprintf } = wp.i18n;
  const networks = (window.postflowEditor && window.postflowEditor.networks) || [];

  const TIMINGS = [
    { value: 'QUEUE', label: __('Add to the queue (smart scheduler)', 'postflow') },
    { value: 'NOW', label: __('As soon as published', 'postflow') },
    { value: 'AT', label: __('At a time', 'postflow') },
  ];

  // datetime-local works in the browser's time; the meta keeps UTC (ISO 8601).
  function toLocalInput(iso) {
    if (!iso) return '';
    const date = new Date(iso);
    const pad = (n) => String(n).padStart(2, '0');
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
  }
  function fromLocalInput(value) {
    if (!value) return '';
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? '' : date.toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  // A link only to a web page: the URL is PostFlow's answer, and a "javascript:" one would run in the editor.
  function isWebUrl(url) {
    return typeof url === 'string' && /^https?:\/\/[^\s]+$/i.test(url);
  }

  function Deliveries({ postId }) {
    const [state, setState] = useState({ loading: true });
    useEffect(() => {
      let live = true;
      apiFetch({ path: `/postflow/v1/posts/${postId}/deliveries` }).then(
        (answer) => live && setState({ deliveries: answer.deliveries }),
        (error) => live && setState({ error: error.message }),
      );
      return () => {
        live = false;
      };
    }, [postId]);
    if (state.loading) return h(Spinner);
    if (state.error) return h(Notice, { status: 'warning', isDismissible: false }, state.error);
    if (!state.deliveries.length) return h('p', null, __('No deliveries yet.', 'postflow'));
    return h(
      'ul',
      { className: 'postflow-deliveries' },
      state.deliveries.map((delivery) =>
        h(
          'li',
          { key: delivery.id },
          `${delivery.channel ? delivery.channel.name : ''}: ${delivery.status} `,
          isWebUrl(delivery.external_url) ? h(ExternalLink, { href: delivery.external_url }, __('view', 'postflow')) : null,
          delivery.error ? h('div', { className: 'postflow-delivery-error' }, delivery.error) : null,
        ),
      ),
    );
  }

  function ShareAgain({ postId }) {
    const [message, setMessage] = useState('');
    const [busy, setBusy] = useState(false);
    const share = () => {
      setBusy(true);
      apiFetch({ path: `/postflow/v1/posts/${postId}/share`, method: 'POST' }).then(
        (answer) => {
          setBusy(false);
          /* translators: %s: the share's occurrence number (1, 2, 3...). */
          setMessage(sprintf(__('Shared again (occurrence %s).', 'postflow'), answer.occurrence));
        },
        (error) => {
          setBusy(false);
          setMessage(error.message);
        },
      );
    };
    return h(
      Fragment,
      null,
      h(Button, { variant: 'secondary', isBusy: busy, disabled: busy, onClick: share }, __('Share again now', 'postflow')),
      message ? h('p', null, message) : null,
    );
  }

  function Channels({ selected, onChange }) {
    const [state, setState] = useState({ loading: true });
    useEffect(() => {
      apiFetch({ path: '/postflow/v1/channels' }).then(
        (answer) => setState({ channels: answer.channels }),
        (error) => setState({ error: error.message }),
      );
    }, []);
    if (state.loading) return h(Spinner);
    if (state.error) return h(Notice, { status: 'warning', isDismissible: false }, state.error);
    return h(
      Fragment,
      null,
      h('p', null, __('Channels (none ticked: the source rules choose)', 'postflow')),
      state.channels.map((channel) =>
        h(CheckboxControl, {
          key: channel.id,
          label: `${channel.name} (${channel.network})`,
          checked: selected.includes(channel.id),
          onChange: (on) => onChange(on ? [...selected, channel.id] : selected.filter((id) => id !== channel.id)),
        }),
      ),
    );
  }

  function PostFlowPanel() {
    const { postId, postType, status, meta } = useSelect((select) => {
      const editor = select('core/editor');
      return {
        postId: editor.getCurrentPostId(),
        postType: editor.getCurrentPostType(),
        status: editor.getCurrentPostAttribute('status'),
        meta: editor.getEditedPostAttribute('meta') || {},
      };
    }, []);
    const { editPost } = useDispatch('core/editor');
    if (!('_postflow_share_enabled' in meta)) return null; // not a post type PostFlow shares
    const setMeta = (key, value) => editPost({ meta: { [key]: value } });
    const messages = meta._postflow_messages && !Array.isArray(meta._postflow_messages) ? meta._postflow_messages : {};
    const channels = meta._postflow_channels || [];
    return h(
      PluginDocumentSettingPanel,
      { name: 'postflow', title: __('PostFlow', 'postflow'), className: `postflow-panel postflow-panel-${postType}` },
      h(ToggleControl, { label: __('Share with PostFlow', 'postflow'), checked: meta._postflow_share_enabled !== false, onChange: (on) => setMeta('_postflow_share_enabled', on) }),
      h(SelectControl, { label: __('When', 'postflow'), value: meta._postflow_timing || 'QUEUE', options: TIMINGS, onChange: (value) => setMeta('_postflow_timing', value) }),
      meta._postflow_timing === 'AT'
        ? h(TextControl, {
            type: 'datetime-local',
            label: __('At', 'postflow'),
            value: toLocalInput(meta._postflow_at),
            onChange: (value) => setMeta('_postflow_at', fromLocalInput(value)),
          })
        : null,
      h(Channels, { selected: channels, onChange: (ids) => setMeta('_postflow_channels', ids) }),
      h('p', null, __('A message per network (empty: the template)', 'postflow')),
      networks.map((network) =>
        h(TextareaControl, {
          key: network,
          label: network,
          rows: 2,
          value: messages[network] || '',
          onChange: (value) => setMeta('_postflow_messages', Object.assign({}, messages, { [network]: value })),
        }),
      ),
      status === 'publish' ? h(Fragment, null, h('h3', null, __('Deliveries', 'postflow')), h(Deliveries, { postId }), h(ShareAgain, { postId })) : null,
    );
  }

  registerPlugin('postflow', { render: PostFlowPanel, icon: 'share' });
})();
