<?php
/**
 * WordPress's hooks -> the contract's events, handed to the outbox.
 *
 * @package PostFlow
 */

defined( 'ABSPATH' ) || exit;

/**
 * The event builder: what happened to an item, decided from WordPress's own hooks.
 */
final class Postflow_Events {

	/**
	 * Hooks in.
	 */
	public static function register() {
		// After terms and meta are saved (REST, block and classic editor, and wp_publish_post for "future" posts).
		add_action( 'wp_after_insert_post', array( __CLASS__, 'on_after_insert_post' ), 10, 4 );
		add_action( 'transition_post_status', array( __CLASS__, 'on_transition' ), 10, 3 );
		add_action( 'wp_trash_post', array( __CLASS__, 'on_trash' ) );
		add_action( 'before_delete_post', array( __CLASS__, 'on_delete' ), 10, 2 );
	}

	/**
	 * Published (first time public, or "future" published by WP-Cron) or updated (an edit of a public item).
	 *
	 * @param int          $post_id     The post.
	 * @param WP_Post      $post        The post as saved.
	 * @param bool         $update      Whether it existed before.
	 * @param WP_Post|null $post_before The post before this save, null for a new one.
	 */
	public static function on_after_insert_post( $post_id, $post, $update, $post_before ) {
		if ( ! self::is_tracked( $post ) || 'publish' !== $post->post_status ) {
			return;
		}
		$was_public = $post_before instanceof WP_Post && 'publish' === $post_before->post_status;
		self::emit( $was_public ? 'item.updated' : 'item.published', $post );
	}

	/**
	 * Unpublished: a public item back to draft, pending, private or future (trash has its own hook).
	 *
	 * @param string  $new_status The status now.
	 * @param string  $old_status The status before.
	 * @param WP_Post $post       The post.
	 */
	public static function on_transition( $new_status, $old_status, $post ) {
		if ( 'publish' !== $old_status || in_array( $new_status, array( 'publish', 'trash' ), true ) || ! self::is_tracked( $post ) || ! self::is_known( $post ) ) {
			return;
		}
		self::emit( 'item.unpublished', $post );
	}

	/**
	 * Deleted: trashed (the hook runs before the status changes, so the payload says "trash").
	 *
	 * @param int $post_id The post.
	 */
	public static function on_trash( $post_id ) {
		$post = get_post( $post_id );
		if ( $post && self::is_tracked( $post ) && self::is_known( $post ) ) {
			self::emit( 'item.deleted', $post, array( 'status' => 'trash' ) );
		}
	}

	/**
	 * Deleted for good without passing through the trash.
	 *
	 * @param int     $post_id The post.
	 * @param WP_Post $post    The post.
	 */
	public static function on_delete( $post_id, $post ) {
		if ( $post && 'trash' !== $post->post_status && self::is_tracked( $post ) && self::is_known( $post ) ) {
			self::emit( 'item.deleted', $post, array( 'status' => 'deleted' ) );
		}
	}

	/**
	 * Asks PostFlow to share an item now or again (the panel's button, the bulk action): a new occurrence.
	 *
	 * @param WP_Post $post   The item, published.
	 * @param string  $timing QUEUE (the bulk action's backfill) or the panel's timing.
	 * @return int The occurrence.
	 */
	public static function share( $post, $timing = '' ) {
		$occurrence = Postflow_Share_Settings::next_occurrence( $post->ID );
		$share      = array_merge(
			Postflow_Share_Settings::for_post( $post->ID ),
			array(
				'enabled'    => true,
				'occurrence' => $occurrence,
			)
		);
		if ( '' !== $timing ) {
			$share['timing'] = $timing;
		}
		self::emit( 'item.share', $post, array(), $share );
		return $occurrence;
	}

	/**
	 * Builds the event now (the item as it is at this moment) and keeps it in the outbox.
	 *
	 * @param string     $type      The event type.
	 * @param WP_Post    $post      The item.
	 * @param array      $overrides Item fields to replace.
	 * @param array|null $share     The share block; the panel's choices when null.
	 */
	private static function emit( $type, $post, array $overrides = array(), $share = null ) {
		$event       = Postflow_Payload::event( $type, $post, $share ? $share : Postflow_Share_Settings::for_post( $post->ID ), time(), $overrides );
		$publication = 'item.published' === $type ? Postflow_Share_Settings::next_publication( $post->ID ) : 1;
		$event_id    = Postflow_Signer::event_id( home_url(), (string) $post->ID, $type, Postflow_Payload::discriminator( $type, $event, $publication ) );
		update_post_meta( $post->ID, Postflow_Share_Settings::KNOWN, 1 );
		Postflow_Outbox::enqueue( $event_id, $event, $post->ID );
	}

	/**
	 * Items PostFlow hears about: the shared post types, not revisions, autosaves or password-protected posts.
	 *
	 * @param WP_Post $post The post.
	 * @return bool
	 */
	private static function is_tracked( $post ) {
		if ( ! $post instanceof WP_Post || wp_is_post_revision( $post ) || wp_is_post_autosave( $post ) ) {
			return false;
		}
		if ( 'product' === $post->post_type && ! function_exists( 'wc_get_product' ) ) {
			return false;
		}
		return in_array( $post->post_type, Postflow_Share_Settings::post_types(), true ) && '' === $post->post_password;
	}

	/**
	 * Whether PostFlow has heard of this item (there is nothing to unpublish or delete otherwise).
	 *
	 * @param WP_Post $post The post.
	 * @return bool
	 */
	private static function is_known( $post ) {
		return (bool) get_post_meta( $post->ID, Postflow_Share_Settings::KNOWN, true );
	}
}
