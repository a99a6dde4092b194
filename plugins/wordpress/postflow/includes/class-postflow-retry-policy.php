<?php
/**
 * What an answer from PostFlow means for an event, and when to try again.
 *
 * @package PostFlow
 */

defined( 'ABSPATH' ) || exit;

/**
 * The contract's delivery rules. Pure, tested by PHPUnit.
 */
final class Postflow_Retry_Policy {

	/** An event is given up after this many attempts. */
	const MAX_ATTEMPTS = 20;

	/** Seconds to wait after the 1st, 2nd, ... failed attempt; the last one repeats. */
	const DELAYS = array( 60, 300, 900, 3600, 10800, 21600 );

	/** Answers that will not get better by sending the same event again. */
	const FINAL_STATUSES = array( 400, 401, 403, 413 );

	/**
	 * What to do after an attempt that got this HTTP status (0: no answer at all) and this decoded body. A 2xx counts
	 * only when it is PostFlow's ("accepted": true): a proxy's or a captive portal's page is not a delivery.
	 *
	 * @param int   $status The HTTP status code, 0 when the request failed.
	 * @param mixed $answer The decoded JSON body (null when there was none or it was not JSON).
	 * @return string "delivered", "failed" or "retry".
	 */
	public static function outcome( $status, $answer = null ) {
		if ( $status >= 200 && $status < 300 ) {
			return is_array( $answer ) && true === ( $answer['accepted'] ?? null ) ? 'delivered' : 'retry';
		}
		if ( in_array( $status, self::FINAL_STATUSES, true ) ) {
			return 'failed';
		}
		return 'retry';
	}

	/**
	 * Seconds until the next attempt, after $attempts attempts failed; null once the event is given up.
	 *
	 * @param int $attempts How many attempts were made, at least 1.
	 * @return int|null
	 */
	public static function delay_after( $attempts ) {
		if ( $attempts >= self::MAX_ATTEMPTS ) {
			return null;
		}
		$index = min( max( $attempts, 1 ), count( self::DELAYS ) ) - 1;
		return self::DELAYS[ $index ];
	}
}
