<?php
/**
 * Events waiting in the site's database until PostFlow has them: never lost (kept until a 2xx or a final refusal),
 * never twice (one row per idempotency key, which is also the webhook-id PostFlow de-duplicates on).
 *
 * @package PostFlow
 */

defined( 'ABSPATH' ) || exit;

/**
 * The outbox table and its delivery, retried by WP-Cron (Action Scheduler when present).
 */
final class Postflow_Outbox {

	const HOOK       = 'postflow_outbox_run';
	const DB_VERSION = '1';
	const DB_OPTION  = 'postflow_db_version';

	/** Seconds a runner holds a row it is sending, so that a second runner does not send it at the same time. */
	const LEASE = 120;

	/** Events sent at the end of the request that made them; more (a bulk action) are left to the next cron run. */
	const INLINE_MAX = 5;

	/** Delivered rows deleted at a time (each request that sends deletes some). */
	const FORGET_BATCH = 200;

	/**
	 * Joined as "older" to a row "r": a waiting event of the same item queued before it. Events of an item go out in
	 * the order they happened (an edit must not overtake a publication held by its backoff), so a row with an older
	 * waiting one is not sent; the older one's retry is followed by it, in order.
	 */
	const OLDER_WAITING = "older.post_id = r.post_id AND older.id < r.id AND older.status = 'waiting'";

	/**
	 * Event ids queued during this request, sent when it ends.
	 *
	 * @var string[]
	 */
	private static $queued = array();

	/**
	 * The table's name.
	 *
	 * @return string
	 */
	public static function table() {
		global $wpdb;
		return $wpdb->prefix . 'postflow_outbox';
	}

	/**
	 * Creates or upgrades the table (dbDelta).
	 */
	public static function install() {
		global $wpdb;
		require_once ABSPATH . 'wp-admin/includes/upgrade.php';
		$table   = self::table();
		$charset = $wpdb->get_charset_collate();
		dbDelta(
			"CREATE TABLE {$table} (
				id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
				event_id varchar(64) NOT NULL,
				post_id bigint(20) unsigned NOT NULL DEFAULT 0,
				event_type varchar(32) NOT NULL,
				payload longtext NOT NULL,
				status varchar(16) NOT NULL DEFAULT 'waiting',
				attempts smallint(5) unsigned NOT NULL DEFAULT 0,
				next_attempt_at datetime NOT NULL,
				last_status smallint(5) unsigned NOT NULL DEFAULT 0,
				last_error text NULL,
				created_at datetime NOT NULL,
				updated_at datetime NOT NULL,
				PRIMARY KEY  (id),
				UNIQUE KEY event_id (event_id),
				KEY due (status, next_attempt_at),
				KEY post_id (post_id)
			) {$charset};"
		);
		update_option( self::DB_OPTION, self::DB_VERSION, false );
	}

	/**
	 * Creates the table after an update of the plugin that changed it.
	 */
	public static function maybe_upgrade() {
		if ( self::DB_VERSION !== get_option( self::DB_OPTION ) ) {
			self::install();
		}
	}

	/**
	 * Keeps an event and sends it when this request ends. An event already kept keeps its place; while it still
	 * waits it takes the newer body (the item as it is now).
	 *
	 * @param string $event_id The idempotency key.
	 * @param array  $event    The event.
	 * @param int    $post_id  The item.
	 */
	public static function enqueue( $event_id, array $event, $post_id ) {
		global $wpdb;
		$now   = gmdate( 'Y-m-d H:i:s' );
		$table = self::table();
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery.DirectQuery, WordPress.DB.DirectDatabaseQuery.NoCaching, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- the plugin's own table; the name is the site's prefix + a constant.
		$wpdb->query( $wpdb->prepare( "INSERT INTO {$table} (event_id, post_id, event_type, payload, status, attempts, next_attempt_at, created_at, updated_at) VALUES (%s, %d, %s, %s, 'waiting', 0, %s, %s, %s) ON DUPLICATE KEY UPDATE payload = IF(status = 'waiting', VALUES(payload), payload), updated_at = VALUES(updated_at)", $event_id, $post_id, $event['type'], wp_json_encode( $event ), $now, $now, $now ) );
		if ( ! self::$queued ) {
			add_action( 'shutdown', array( __CLASS__, 'send_queued' ) );
		}
		self::$queued[] = $event_id;
	}

	/**
	 * Sends the first few events of this request (once each), after the answer has gone to the browser where PHP-FPM
	 * allows it; the next run is planned first, so that a request cut short leaves nothing unplanned.
	 */
	public static function send_queued() {
		$ids          = array_unique( self::$queued );
		self::$queued = array();
		self::forget_delivered();
		self::schedule_next();
		if ( function_exists( 'fastcgi_finish_request' ) ) {
			fastcgi_finish_request();
		}
		foreach ( array_slice( $ids, 0, self::INLINE_MAX ) as $event_id ) {
			$row = self::claim( $event_id );
			if ( $row ) {
				self::attempt( $row );
			}
		}
		self::schedule_next();
	}

	/**
	 * The cron task: sends what is due, oldest first, then plans the next run.
	 */
	public static function run() {
		global $wpdb;
		$table = self::table();
		$older = self::OLDER_WAITING;
		$now   = gmdate( 'Y-m-d H:i:s' );
		// Due rows, leaving out those held behind an older row that is not due: a row behind a due one is taken, right
		// after it, when that one is delivered (claim() checks again).
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery.DirectQuery, WordPress.DB.DirectDatabaseQuery.NoCaching, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- the plugin's own table, read fresh on purpose.
		$due = $wpdb->get_col( $wpdb->prepare( "SELECT r.event_id FROM {$table} r LEFT JOIN {$table} older ON {$older} AND older.next_attempt_at > %s WHERE r.status = 'waiting' AND r.next_attempt_at <= %s AND older.id IS NULL ORDER BY r.id LIMIT 50", $now, $now ) );
		foreach ( $due as $event_id ) {
			$row = self::claim( $event_id );
			if ( $row ) {
				self::attempt( $row );
			}
		}
		self::forget_delivered();
		self::schedule_next();
	}

	/**
	 * Puts failed events (or one) back in line, due now, and sends them.
	 *
	 * @param int $id The row to retry; 0 for every failed event.
	 * @return int How many were put back.
	 */
	public static function retry( $id ) {
		global $wpdb;
		$table = self::table();
		$now   = gmdate( 'Y-m-d H:i:s' );
		$where = $id > 0 ? $wpdb->prepare( 'AND id = %d', $id ) : '';
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery.DirectQuery, WordPress.DB.DirectDatabaseQuery.NoCaching, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- the plugin's own table; $where is prepared above.
		$rows = $wpdb->get_results( "SELECT id, payload FROM {$table} WHERE status = 'failed' {$where}", ARRAY_A );
		// The item as it is now (it may have been fixed since it was refused), under the same webhook-id and type.
		foreach ( $rows ? $rows : array() as $row ) {
			$stored = json_decode( $row['payload'], true );
			$event  = is_array( $stored ) ? Postflow_Events::rebuild( $stored ) : null;
			if ( $event ) {
				$wpdb->update( $table, array( 'payload' => wp_json_encode( $event ) ), array( 'id' => (int) $row['id'] ), array( '%s' ), array( '%d' ) ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery.DirectQuery, WordPress.DB.DirectDatabaseQuery.NoCaching -- the plugin's own table.
			}
		}
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery.DirectQuery, WordPress.DB.DirectDatabaseQuery.NoCaching, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- the plugin's own table; $where is prepared above.
		$ids = $wpdb->get_col( "SELECT event_id FROM {$table} WHERE status = 'failed' {$where}" );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery.DirectQuery, WordPress.DB.DirectDatabaseQuery.NoCaching, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- the plugin's own table; $where is prepared above.
		$wpdb->query( $wpdb->prepare( "UPDATE {$table} SET status = 'waiting', attempts = 0, next_attempt_at = %s, updated_at = %s WHERE status = 'failed' {$where}", $now, $now ) );
		foreach ( $ids as $event_id ) {
			self::$queued[] = $event_id;
		}
		self::send_queued();
		return count( $ids );
	}

	/**
	 * What the settings page shows: how many wait, and the failed events.
	 *
	 * @return array{waiting:int, failed:array}
	 */
	public static function summary() {
		global $wpdb;
		$table = self::table();
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery.DirectQuery, WordPress.DB.DirectDatabaseQuery.NoCaching, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- the plugin's own table, read fresh on purpose.
		$waiting = (int) $wpdb->get_var( "SELECT COUNT(*) FROM {$table} WHERE status = 'waiting'" );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery.DirectQuery, WordPress.DB.DirectDatabaseQuery.NoCaching, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- the plugin's own table, read fresh on purpose.
		$failed = $wpdb->get_results( "SELECT id, event_id, post_id, event_type, attempts, last_status, last_error, updated_at FROM {$table} WHERE status = 'failed' ORDER BY id DESC LIMIT 50", ARRAY_A );
		return array(
			'waiting' => $waiting,
			'failed'  => $failed ? $failed : array(),
		);
	}

	/**
	 * Takes a due row for this runner (moves its next attempt past the lease); null when another runner has it or an
	 * older event of the same item still waits.
	 *
	 * @param string $event_id The event.
	 * @return array|null
	 */
	private static function claim( $event_id ) {
		global $wpdb;
		$table = self::table();
		$older = self::OLDER_WAITING;
		$now   = time();
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery.DirectQuery, WordPress.DB.DirectDatabaseQuery.NoCaching, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- the plugin's own table; a guarded update is the lock.
		$taken = $wpdb->query( $wpdb->prepare( "UPDATE {$table} r LEFT JOIN {$table} older ON {$older} SET r.next_attempt_at = %s WHERE r.event_id = %s AND r.status = 'waiting' AND r.next_attempt_at <= %s AND older.id IS NULL", gmdate( 'Y-m-d H:i:s', $now + self::LEASE ), $event_id, gmdate( 'Y-m-d H:i:s', $now ) ) );
		if ( 1 !== $taken ) {
			return null;
		}
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery.DirectQuery, WordPress.DB.DirectDatabaseQuery.NoCaching, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- the plugin's own table, read fresh on purpose.
		$row = $wpdb->get_row( $wpdb->prepare( "SELECT * FROM {$table} WHERE event_id = %s", $event_id ), ARRAY_A );
		return $row ? $row : null;
	}

	/**
	 * One attempt, and what it means for the row.
	 *
	 * @param array $row The claimed row.
	 */
	private static function attempt( array $row ) {
		global $wpdb;
		$result   = Postflow_Client::send_event( $row['event_id'], $row['payload'] );
		$attempts = (int) $row['attempts'] + 1;
		$outcome  = Postflow_Retry_Policy::outcome( $result['status'], $result['data'] );
		if ( 'retry' === $outcome && '' === $result['error'] ) {
			$result['error'] = __( 'Not a PostFlow answer', 'postflow' );
		}
		$delay = 'retry' === $outcome ? Postflow_Retry_Policy::delay_after( $attempts ) : null;
		if ( 'retry' === $outcome && null === $delay ) {
			$outcome = 'failed';
			/* translators: %1$d: number of attempts; %2$s: the last error. */
			$result['error'] = sprintf( __( 'Given up after %1$d attempts; last: %2$s', 'postflow' ), $attempts, $result['error'] );
		}
		$status = 'retry' === $outcome ? 'waiting' : $outcome;
		$now    = time();
		$wpdb->update( // phpcs:ignore WordPress.DB.DirectDatabaseQuery.DirectQuery, WordPress.DB.DirectDatabaseQuery.NoCaching -- the plugin's own table.
			self::table(),
			array(
				'status'          => $status,
				'attempts'        => $attempts,
				'next_attempt_at' => gmdate( 'Y-m-d H:i:s', $now + (int) $delay ),
				'last_status'     => $result['status'],
				'last_error'      => 'delivered' === $outcome ? null : mb_substr( $result['error'], 0, 1000 ),
				'updated_at'      => gmdate( 'Y-m-d H:i:s', $now ),
			),
			array( 'id' => (int) $row['id'] ),
			array( '%s', '%d', '%s', '%d', '%s', '%s' ),
			array( '%d' )
		);
		if ( 'delivered' === $outcome ) {
			/* translators: %s: an event type such as item.published. */
			Postflow_Connection::record_sync( true, sprintf( __( 'Delivered %s', 'postflow' ), $row['event_type'] ) );
		} else {
			Postflow_Connection::record_sync( false, $result['error'] );
		}
	}

	/**
	 * Plans the next run at the earliest waiting event that may go then (the oldest of its item; none when nothing
	 * waits): a newer event held behind an older one would otherwise plan runs that can send nothing.
	 */
	public static function schedule_next() {
		global $wpdb;
		$table = self::table();
		$older = self::OLDER_WAITING;
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery.DirectQuery, WordPress.DB.DirectDatabaseQuery.NoCaching, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- the plugin's own table, read fresh on purpose.
		$next = $wpdb->get_var( "SELECT MIN(r.next_attempt_at) FROM {$table} r LEFT JOIN {$table} older ON {$older} WHERE r.status = 'waiting' AND older.id IS NULL" );
		$when = $next ? max( time(), (int) strtotime( $next . ' UTC' ) ) : 0;
		if ( function_exists( 'as_schedule_single_action' ) && function_exists( 'as_unschedule_all_actions' ) ) {
			as_unschedule_all_actions( self::HOOK, array(), 'postflow' );
			if ( $when ) {
				as_schedule_single_action( $when, self::HOOK, array(), 'postflow' );
			}
			return;
		}
		$scheduled = wp_next_scheduled( self::HOOK );
		if ( $scheduled && $scheduled === $when ) {
			return;
		}
		wp_clear_scheduled_hook( self::HOOK );
		if ( $when ) {
			wp_schedule_single_event( $when, self::HOOK );
		}
	}

	/**
	 * Delivered events are kept 30 days (what the settings page and support may look at), then deleted, a batch at a
	 * time (by cron runs and by every request that sends).
	 */
	private static function forget_delivered() {
		global $wpdb;
		$table = self::table();
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery.DirectQuery, WordPress.DB.DirectDatabaseQuery.NoCaching, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- the plugin's own table.
		$wpdb->query( $wpdb->prepare( "DELETE FROM {$table} WHERE status = 'delivered' AND updated_at < %s LIMIT %d", gmdate( 'Y-m-d H:i:s', time() - 30 * DAY_IN_SECONDS ), self::FORGET_BATCH ) );
	}
}
