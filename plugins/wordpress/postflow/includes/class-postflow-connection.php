<?php
/**
 * Where PostFlow is and how this site proves who it is: the URL (autoloaded) and the site key + signing secret
 * (not autoloaded, never printed back).
 *
 * @package PostFlow
 */

defined( 'ABSPATH' ) || exit;

/**
 * The plugin's options.
 */
final class Postflow_Connection {

	const URL_OPTION        = 'postflow_url';
	const CONNECTION_OPTION = 'postflow_connection';
	const LAST_SYNC_OPTION  = 'postflow_last_sync';

	/**
	 * Creates the options with the right autoload setting (on activation, and before the settings page saves).
	 */
	public static function create_options() {
		add_option( self::URL_OPTION, '' );
		add_option( self::CONNECTION_OPTION, array(), '', 'no' );
		add_option( self::LAST_SYNC_OPTION, array(), '', 'no' );
	}

	/**
	 * The PostFlow URL without a trailing slash ("" when not set).
	 *
	 * @return string
	 */
	public static function url() {
		return untrailingslashit( (string) get_option( self::URL_OPTION, '' ) );
	}

	/**
	 * The site key ("" when not connected).
	 *
	 * @return string
	 */
	public static function site_key() {
		$connection = get_option( self::CONNECTION_OPTION, array() );
		return is_array( $connection ) && isset( $connection['site_key'] ) ? (string) $connection['site_key'] : '';
	}

	/**
	 * The signing secret ("" when not connected).
	 *
	 * @return string
	 */
	public static function secret() {
		$connection = get_option( self::CONNECTION_OPTION, array() );
		return is_array( $connection ) && isset( $connection['secret'] ) ? (string) $connection['secret'] : '';
	}

	/**
	 * Whether events can be sent at all.
	 *
	 * @return bool
	 */
	public static function is_configured() {
		return '' !== self::url() && '' !== self::site_key() && '' !== self::secret();
	}

	/**
	 * What the settings page may show of the site key: its first 8 characters.
	 *
	 * @return string
	 */
	public static function site_key_hint() {
		$key = self::site_key();
		return '' === $key ? '' : substr( $key, 0, 8 ) . '…';
	}

	/**
	 * Whether a site key has the shape PostFlow hands out.
	 *
	 * @param string $key The key as pasted.
	 * @return bool
	 */
	public static function is_valid_site_key( $key ) {
		return is_string( $key ) && (bool) preg_match( '/^pfs_[A-Za-z0-9_-]{32}$/', $key );
	}

	/**
	 * Records the outcome of the last request to PostFlow, for the settings page.
	 *
	 * @param bool   $ok      Whether PostFlow took it.
	 * @param string $message What happened, for people.
	 */
	public static function record_sync( $ok, $message ) {
		update_option(
			self::LAST_SYNC_OPTION,
			array(
				'time'    => time(),
				'ok'      => (bool) $ok,
				'message' => (string) $message,
			),
			false
		);
	}
}
