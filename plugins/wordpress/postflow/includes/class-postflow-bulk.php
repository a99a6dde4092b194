<?php
/**
 * "Share with PostFlow" on the posts and products lists: existing items handed to the smart scheduler (a backfill).
 *
 * @package PostFlow
 */

defined( 'ABSPATH' ) || exit;

/**
 * The bulk action. edit.php checks the list's nonce before handing it the ids; each item checks edit_post.
 */
final class Postflow_Bulk {

	const ACTION = 'postflow_share';

	/**
	 * Hooks in.
	 */
	public static function register() {
		foreach ( Postflow_Share_Settings::post_types() as $post_type ) {
			add_filter( "bulk_actions-edit-{$post_type}", array( __CLASS__, 'add_action' ) );
			add_filter( "handle_bulk_actions-edit-{$post_type}", array( __CLASS__, 'handle' ), 10, 3 );
		}
		add_action( 'admin_notices', array( __CLASS__, 'notice' ) );
	}

	/**
	 * Adds the action to the list's menu.
	 *
	 * @param array $actions The bulk actions.
	 * @return array
	 */
	public static function add_action( $actions ) {
		$actions[ self::ACTION ] = __( 'Share with PostFlow', 'postflow' );
		return $actions;
	}

	/**
	 * Shares each published item the user may edit: one item.share (a new occurrence) each, timing QUEUE.
	 *
	 * @param string $redirect Where the list goes next.
	 * @param string $action   The chosen action.
	 * @param int[]  $post_ids The selected items.
	 * @return string
	 */
	public static function handle( $redirect, $action, $post_ids ) {
		if ( self::ACTION !== $action ) {
			return $redirect;
		}
		$shared = 0;
		foreach ( array_map( 'absint', (array) $post_ids ) as $post_id ) {
			$post = get_post( $post_id );
			if ( $post && 'publish' === $post->post_status && current_user_can( 'edit_post', $post_id ) ) {
				Postflow_Events::share( $post, 'QUEUE' );
				++$shared;
			}
		}
		return add_query_arg( 'postflow_shared', $shared, $redirect );
	}

	/**
	 * Says how many items were handed over.
	 */
	public static function notice() {
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- only a count to display, after the checked bulk action.
		if ( ! isset( $_GET['postflow_shared'] ) ) {
			return;
		}
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- only a count to display.
		$count = absint( wp_unslash( $_GET['postflow_shared'] ) );
		/* translators: %d: number of items. */
		echo '<div class="notice notice-success is-dismissible"><p>' . esc_html( sprintf( _n( '%d item handed to PostFlow.', '%d items handed to PostFlow.', $count, 'postflow' ), $count ) ) . '</p></div>';
	}
}
