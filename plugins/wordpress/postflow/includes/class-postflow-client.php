<?php
/**
 * PostFlow's three endpoints over the WordPress HTTP API, every request signed.
 *
 * @package PostFlow
 */

defined( 'ABSPATH' ) || exit;

/**
 * The HTTP client.
 */
final class Postflow_Client {

	/** Seconds to wait for PostFlow while an editor's save waits too. */
	const TIMEOUT = 10;

	/**
	 * Sends one event; the same webhook-id on every attempt, a new timestamp each time.
	 *
	 * @param string $event_id The event's idempotency key.
	 * @param string $body     The event's JSON.
	 * @return array{status:int, data:mixed, error:string}
	 */
	public static function send_event( $event_id, $body ) {
		return self::request( 'POST', '/wordpress/events', $event_id, $body );
	}

	/**
	 * GET /wordpress/ping: the workspace, this source and its channels.
	 *
	 * @return array{status:int, data:mixed, error:string}
	 */
	public static function ping() {
		$result = self::request( 'GET', '/wordpress/ping', Postflow_Signer::message_id(), null );
		if ( '' === $result['error'] && ! ( is_array( $result['data'] ) && ! empty( $result['data']['workspace']['id'] ) ) ) {
			/* translators: %d: an HTTP status code. */
			$result['error'] = sprintf( __( 'PostFlow answered %d, but not a PostFlow answer: is the URL the one of PostFlow?', 'postflow' ), $result['status'] );
		}
		return $result;
	}

	/**
	 * GET /wordpress/status: the deliveries of up to 50 items.
	 *
	 * @param int[] $post_ids The items.
	 * @return array{status:int, data:mixed, error:string}
	 */
	public static function status( array $post_ids ) {
		$ids = implode( ',', array_slice( array_map( 'absint', $post_ids ), 0, 50 ) );
		return self::request( 'GET', '/wordpress/status?items=' . $ids, Postflow_Signer::message_id(), null );
	}

	/**
	 * One signed request. For GET the signed body is the path and query exactly as sent.
	 *
	 * @param string      $method GET or POST.
	 * @param string      $path   The path and query below the PostFlow URL.
	 * @param string      $id     The message id.
	 * @param string|null $body   The JSON body of a POST.
	 * @return array{status:int, data:mixed, error:string}
	 */
	private static function request( $method, $path, $id, $body ) {
		if ( ! Postflow_Connection::is_configured() ) {
			return array(
				'status' => 0,
				'data'   => null,
				'error'  => __( 'PostFlow is not connected: set its URL, the site key and the signing secret.', 'postflow' ),
			);
		}
		$signed  = null === $body ? $path : $body;
		$headers = Postflow_Signer::headers( Postflow_Connection::site_key(), Postflow_Connection::secret(), $id, time(), $signed );
		if ( null !== $body ) {
			$headers['content-type'] = 'application/json';
		}
		$response = wp_remote_request(
			Postflow_Connection::url() . $path,
			array(
				'method'      => $method,
				'headers'     => $headers,
				'body'        => $body,
				'timeout'     => self::TIMEOUT,
				'redirection' => 0,
				'user-agent'  => 'PostFlow-WordPress/' . POSTFLOW_VERSION . '; ' . home_url(),
			)
		);
		if ( is_wp_error( $response ) ) {
			return array(
				'status' => 0,
				'data'   => null,
				'error'  => $response->get_error_message(),
			);
		}
		$status = (int) wp_remote_retrieve_response_code( $response );
		$data   = json_decode( wp_remote_retrieve_body( $response ), true );
		$error  = '';
		if ( $status < 200 || $status >= 300 ) {
			$error = is_array( $data ) && isset( $data['error']['message'] ) ? (string) $data['error']['message'] : '';
			/* translators: %d: an HTTP status code. */
			$error = sprintf( __( 'PostFlow answered %d', 'postflow' ), $status ) . ( '' === $error ? '' : ': ' . $error );
		}
		return array(
			'status' => $status,
			'data'   => $data,
			'error'  => $error,
		);
	}
}
