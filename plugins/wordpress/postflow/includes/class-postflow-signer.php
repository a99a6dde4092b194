<?php
/**
 * Standard Webhooks signing, exactly as PostFlow (the standardwebhooks npm package) verifies it.
 *
 * @package PostFlow
 */

defined( 'ABSPATH' ) || exit;

/**
 * Signs requests and names events. Pure: no WordPress function is called, so PHPUnit tests it alone.
 */
final class Postflow_Signer {

	/**
	 * The signature header's value: "v1," + base64(HMAC-SHA256(secret, "{id}.{timestamp}.{body}")).
	 *
	 * @param string $secret    The signing secret, "whsec_" + base64 of the key.
	 * @param string $id        The message id (webhook-id).
	 * @param int    $timestamp Unix seconds of this attempt.
	 * @param string $body      The exact bytes sent (for GET: the path and query).
	 * @return string
	 */
	public static function signature( $secret, $id, $timestamp, $body ) {
		$key = self::key( $secret );
		return 'v1,' . base64_encode( hash_hmac( 'sha256', $id . '.' . $timestamp . '.' . $body, $key, true ) ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_encode -- the Standard Webhooks format is base64.
	}

	/**
	 * The headers that authenticate one request.
	 *
	 * @param string $site_key  The site key PostFlow gave this site.
	 * @param string $secret    The signing secret.
	 * @param string $id        The message id.
	 * @param int    $timestamp Unix seconds of this attempt.
	 * @param string $body      The signed body.
	 * @return array<string, string>
	 */
	public static function headers( $site_key, $secret, $id, $timestamp, $body ) {
		return array(
			'webhook-id'        => $id,
			'webhook-timestamp' => (string) $timestamp,
			'webhook-signature' => self::signature( $secret, $id, $timestamp, $body ),
			'x-postflow-site'   => $site_key,
		);
	}

	/**
	 * Whether a secret has the shape PostFlow hands out (base64 of at least 24 bytes after "whsec_").
	 *
	 * @param string $secret The secret as pasted.
	 * @return bool
	 */
	public static function is_valid_secret( $secret ) {
		if ( ! is_string( $secret ) || 0 !== strpos( $secret, 'whsec_' ) ) {
			return false;
		}
		$key = base64_decode( substr( $secret, 6 ), true ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_decode -- the Standard Webhooks secret format is base64.
		return false !== $key && strlen( $key ) >= 24;
	}

	/**
	 * The idempotency key of an event, also its webhook-id: the same on every retry, so PostFlow sees it once.
	 *
	 * @param string $home          The site's home URL.
	 * @param string $item_id       The post ID.
	 * @param string $type          The event type, e.g. "item.updated".
	 * @param string $discriminator "published", the share occurrence, or the item's modified_at.
	 * @return string "wp-" + 40 hex characters.
	 */
	public static function event_id( $home, $item_id, $type, $discriminator ) {
		return 'wp-' . substr( sha1( $home . '|' . $item_id . '|' . $type . '|' . $discriminator ), 0, 40 );
	}

	/**
	 * A fresh message id for a GET request: "msg_" + 24 hex characters.
	 *
	 * @return string
	 */
	public static function message_id() {
		return 'msg_' . bin2hex( random_bytes( 12 ) );
	}

	/**
	 * The HMAC key: the secret's base64 part decoded.
	 *
	 * @param string $secret The signing secret.
	 * @return string
	 */
	private static function key( $secret ) {
		$encoded = 0 === strpos( $secret, 'whsec_' ) ? substr( $secret, 6 ) : $secret;
		return (string) base64_decode( $encoded ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_decode -- the Standard Webhooks secret format is base64.
	}
}
