<?php
/**
 * Settings -> PostFlow: the connection (Settings API), "Test connection", and the outbox's state with a retry button.
 *
 * @package PostFlow
 */

defined( 'ABSPATH' ) || exit;

/**
 * The settings page. Every action checks manage_options and its nonce.
 */
final class Postflow_Settings_Page {

	const SLUG  = 'postflow';
	const GROUP = 'postflow';

	/**
	 * Hooks in.
	 */
	public static function register() {
		add_action( 'admin_menu', array( __CLASS__, 'add_page' ) );
		add_action( 'admin_init', array( __CLASS__, 'register_settings' ) );
		add_action( 'admin_post_postflow_test_connection', array( __CLASS__, 'test_connection' ) );
		add_action( 'admin_post_postflow_retry', array( __CLASS__, 'retry' ) );
	}

	/**
	 * The menu entry under Settings.
	 */
	public static function add_page() {
		add_options_page( __( 'PostFlow', 'postflow' ), __( 'PostFlow', 'postflow' ), 'manage_options', self::SLUG, array( __CLASS__, 'render' ) );
	}

	/**
	 * The two settings (options.php checks the group's nonce and manage_options).
	 */
	public static function register_settings() {
		Postflow_Connection::create_options();
		register_setting(
			self::GROUP,
			Postflow_Connection::URL_OPTION,
			array(
				'type'              => 'string',
				'sanitize_callback' => array( __CLASS__, 'sanitize_url' ),
				'default'           => '',
			)
		);
		register_setting(
			self::GROUP,
			Postflow_Connection::CONNECTION_OPTION,
			array(
				'type'              => 'array',
				'sanitize_callback' => array( __CLASS__, 'sanitize_connection' ),
				'default'           => array(),
			)
		);
		add_settings_section( 'postflow_connection', __( 'Connection', 'postflow' ), array( __CLASS__, 'render_section' ), self::SLUG );
		add_settings_field( 'postflow_url', __( 'PostFlow URL', 'postflow' ), array( __CLASS__, 'render_url_field' ), self::SLUG, 'postflow_connection', array( 'label_for' => 'postflow_url' ) );
		add_settings_field( 'postflow_site_key', __( 'Site key', 'postflow' ), array( __CLASS__, 'render_site_key_field' ), self::SLUG, 'postflow_connection', array( 'label_for' => 'postflow_site_key' ) );
		add_settings_field( 'postflow_secret', __( 'Signing secret', 'postflow' ), array( __CLASS__, 'render_secret_field' ), self::SLUG, 'postflow_connection', array( 'label_for' => 'postflow_secret' ) );
	}

	/**
	 * An http(s) URL, or "" (with a message) when it is not one.
	 *
	 * @param mixed $value The URL typed.
	 * @return string
	 */
	public static function sanitize_url( $value ) {
		// A self-hosted PostFlow may well live on the site's own network: any host the admin names is allowed.
		$url = esc_url_raw( trim( (string) $value ), array( 'http', 'https' ) );
		if ( '' !== trim( (string) $value ) && ( '' === $url || '' === (string) wp_parse_url( $url, PHP_URL_HOST ) ) ) {
			add_settings_error( Postflow_Connection::URL_OPTION, 'postflow_url', __( 'The PostFlow URL must be an http or https address.', 'postflow' ) );
			return Postflow_Connection::url();
		}
		return untrailingslashit( $url );
	}

	/**
	 * The site key and secret: both new ones, or the stored ones kept (the fields are never filled in), or forgotten.
	 *
	 * @param mixed $value The fields posted.
	 * @return array
	 */
	public static function sanitize_connection( $value ) {
		$stored   = array(
			'site_key' => Postflow_Connection::site_key(),
			'secret'   => Postflow_Connection::secret(),
		);
		$value    = is_array( $value ) ? $value : array();
		$site_key = isset( $value['site_key'] ) ? sanitize_text_field( (string) $value['site_key'] ) : '';
		$secret   = isset( $value['secret'] ) ? sanitize_text_field( (string) $value['secret'] ) : '';
		if ( ! empty( $value['forget'] ) ) {
			return array();
		}
		if ( '' === $site_key && '' === $secret ) {
			return '' === $stored['site_key'] ? array() : $stored;
		}
		if ( ! Postflow_Connection::is_valid_site_key( $site_key ) || ! Postflow_Signer::is_valid_secret( $secret ) ) {
			add_settings_error( Postflow_Connection::CONNECTION_OPTION, 'postflow_connection', __( 'Paste both the site key (pfs_…) and the signing secret (whsec_…) that PostFlow showed when the source was created.', 'postflow' ) );
			return '' === $stored['site_key'] ? array() : $stored;
		}
		return array(
			'site_key' => $site_key,
			'secret'   => $secret,
		);
	}

	/**
	 * The section's introduction.
	 */
	public static function render_section() {
		echo '<p>' . esc_html__( 'Create a source for this site in PostFlow (its kind: WordPress). PostFlow shows a site key and a signing secret once: paste them here.', 'postflow' ) . '</p>';
	}

	/**
	 * The URL field.
	 */
	public static function render_url_field() {
		printf( '<input type="url" class="regular-text code" id="postflow_url" name="%s" value="%s" placeholder="https://postflow.example.com" />', esc_attr( Postflow_Connection::URL_OPTION ), esc_attr( Postflow_Connection::url() ) );
	}

	/**
	 * The site key field: empty; says which key is stored.
	 */
	public static function render_site_key_field() {
		printf( '<input type="text" class="regular-text code" id="postflow_site_key" name="%s[site_key]" value="" autocomplete="off" />', esc_attr( Postflow_Connection::CONNECTION_OPTION ) );
		if ( '' !== Postflow_Connection::site_key() ) {
			/* translators: %s: the first 8 characters of the site key. */
			echo '<p class="description">' . esc_html( sprintf( __( 'Connected as %s. Leave both fields empty to keep this connection.', 'postflow' ), Postflow_Connection::site_key_hint() ) ) . '</p>';
			printf( '<p><label><input type="checkbox" name="%s[forget]" value="1" /> %s</label></p>', esc_attr( Postflow_Connection::CONNECTION_OPTION ), esc_html__( 'Disconnect (forget the key and the secret)', 'postflow' ) );
		}
	}

	/**
	 * The secret field: never filled in.
	 */
	public static function render_secret_field() {
		printf( '<input type="password" class="regular-text code" id="postflow_secret" name="%s[secret]" value="" autocomplete="new-password" />', esc_attr( Postflow_Connection::CONNECTION_OPTION ) );
	}

	/**
	 * The page.
	 */
	public static function render() {
		if ( ! current_user_can( 'manage_options' ) ) {
			return;
		}
		echo '<div class="wrap"><h1>' . esc_html__( 'PostFlow', 'postflow' ) . '</h1>';
		settings_errors();
		echo '<form action="options.php" method="post">';
		settings_fields( self::GROUP );
		do_settings_sections( self::SLUG );
		submit_button();
		echo '</form>';
		self::render_test_connection();
		self::render_outbox();
		echo '</div>';
	}

	/**
	 * "Test connection" and the last answer.
	 */
	private static function render_test_connection() {
		echo '<h2>' . esc_html__( 'Test connection', 'postflow' ) . '</h2>';
		$result = get_transient( self::ping_transient() );
		if ( is_array( $result ) ) {
			delete_transient( self::ping_transient() );
			if ( '' !== $result['error'] ) {
				echo '<div class="notice notice-error inline"><p>' . esc_html( $result['error'] ) . '</p></div>';
			} else {
				$data = $result['data'];
				echo '<div class="notice notice-success inline postflow-ping"><p>';
				/* translators: 1: workspace name, 2: source name, 3: source status. */
				echo esc_html( sprintf( __( 'Connected to the workspace "%1$s" as the source "%2$s" (%3$s).', 'postflow' ), $data['workspace']['name'] ?? '', $data['source']['name'] ?? '', $data['source']['status'] ?? '' ) );
				echo '</p><ul>';
				foreach ( (array) ( $data['channels'] ?? array() ) as $channel ) {
					echo '<li>' . esc_html( ( $channel['name'] ?? '' ) . ' (' . ( $channel['network'] ?? '' ) . ')' ) . '</li>';
				}
				if ( empty( $data['channels'] ) ) {
					echo '<li>' . esc_html__( 'No channel is connected in this workspace yet.', 'postflow' ) . '</li>';
				}
				echo '</ul></div>';
			}
		}
		echo '<form action="' . esc_url( admin_url( 'admin-post.php' ) ) . '" method="post">';
		echo '<input type="hidden" name="action" value="postflow_test_connection" />';
		wp_nonce_field( 'postflow_test_connection' );
		submit_button( __( 'Test connection', 'postflow' ), 'secondary', 'submit', false );
		echo '</form>';
	}

	/**
	 * The last sync, what waits, what failed (with a retry button).
	 */
	private static function render_outbox() {
		$summary = Postflow_Outbox::summary();
		$last    = get_option( Postflow_Connection::LAST_SYNC_OPTION, array() );
		echo '<h2>' . esc_html__( 'Events', 'postflow' ) . '</h2><p class="postflow-last-sync">';
		if ( is_array( $last ) && ! empty( $last['time'] ) ) {
			/* translators: 1: a date and time, 2: what happened. */
			echo esc_html( sprintf( __( 'Last sync: %1$s — %2$s', 'postflow' ), wp_date( get_option( 'date_format' ) . ' ' . get_option( 'time_format' ), (int) $last['time'] ), $last['message'] ) );
		} else {
			echo esc_html__( 'Last sync: never.', 'postflow' );
		}
		echo '</p><p class="postflow-waiting">';
		/* translators: %d: number of events. */
		echo esc_html( sprintf( _n( '%d event waiting to be delivered.', '%d events waiting to be delivered.', $summary['waiting'], 'postflow' ), $summary['waiting'] ) );
		echo '</p>';
		if ( ! $summary['failed'] ) {
			return;
		}
		echo '<table class="widefat striped postflow-failed"><thead><tr><th>' . esc_html__( 'Item', 'postflow' ) . '</th><th>' . esc_html__( 'Event', 'postflow' ) . '</th><th>' . esc_html__( 'Attempts', 'postflow' ) . '</th><th>' . esc_html__( 'Error', 'postflow' ) . '</th><th></th></tr></thead><tbody>';
		foreach ( $summary['failed'] as $row ) {
			echo '<tr><td>' . esc_html( get_the_title( (int) $row['post_id'] ) . ' (#' . (int) $row['post_id'] . ')' ) . '</td><td>' . esc_html( $row['event_type'] ) . '</td><td>' . esc_html( (string) $row['attempts'] ) . '</td><td>' . esc_html( (string) $row['last_error'] ) . '</td><td>';
			self::render_retry_button( (int) $row['id'], __( 'Retry', 'postflow' ) );
			echo '</td></tr>';
		}
		echo '</tbody></table><p>';
		self::render_retry_button( 0, __( 'Retry all failed events', 'postflow' ) );
		echo '</p>';
	}

	/**
	 * A retry form.
	 *
	 * @param int    $id    The outbox row, 0 for all failed ones.
	 * @param string $label The button.
	 */
	private static function render_retry_button( $id, $label ) {
		echo '<form action="' . esc_url( admin_url( 'admin-post.php' ) ) . '" method="post" style="display:inline">';
		echo '<input type="hidden" name="action" value="postflow_retry" /><input type="hidden" name="event" value="' . esc_attr( (string) $id ) . '" />';
		wp_nonce_field( 'postflow_retry' );
		submit_button( $label, 'secondary small', 'submit', false );
		echo '</form>';
	}

	/**
	 * Calls GET /wordpress/ping and shows the answer on the page.
	 */
	public static function test_connection() {
		self::require_manage_options();
		check_admin_referer( 'postflow_test_connection' );
		set_transient( self::ping_transient(), Postflow_Client::ping(), MINUTE_IN_SECONDS );
		wp_safe_redirect( admin_url( 'options-general.php?page=' . self::SLUG ) );
		exit;
	}

	/**
	 * Re-sends failed events.
	 */
	public static function retry() {
		self::require_manage_options();
		check_admin_referer( 'postflow_retry' );
		$id = isset( $_POST['event'] ) ? absint( wp_unslash( $_POST['event'] ) ) : 0;
		Postflow_Outbox::retry( $id );
		wp_safe_redirect( admin_url( 'options-general.php?page=' . self::SLUG ) );
		exit;
	}

	/**
	 * Refuses (403) without manage_options; each action then checks its own nonce (check_admin_referer).
	 */
	private static function require_manage_options() {
		if ( ! current_user_can( 'manage_options' ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to do that.', 'postflow' ), 403 );
		}
	}

	/**
	 * Where this user's last "Test connection" answer waits to be shown.
	 *
	 * @return string
	 */
	private static function ping_transient() {
		return 'postflow_ping_' . get_current_user_id();
	}
}
