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
	 * Products waiting for the end of the request: post ID => event type.
	 *
	 * @var array<int, string>
	 */
	private static $deferred = array();

	/**
	 * Hooks in.
	 */
	public static function register() {
		// After terms and meta are saved (REST, block and classic editor, and wp_publish_post for "future" posts).
		add_action( 'wp_after_insert_post', array( __CLASS__, 'on_after_insert_post' ), 10, 4 );
		add_action( 'transition_post_status', array( __CLASS__, 'on_transition' ), 10, 3 );
		add_action( 'wp_trash_post', array( __CLASS__, 'on_trash' ) );
		add_action( 'before_delete_post', array( __CLASS__, 'on_delete' ), 10, 2 );
		// WooCommerce's data store writes a product's meta, terms and gallery after wp_insert_post / wp_update_post,
		// and a stock change writes meta alone: these say a product changed without wp_after_insert_post.
		add_action( 'woocommerce_update_product', array( __CLASS__, 'on_product_changed' ) );
		add_action( 'woocommerce_product_set_stock', array( __CLASS__, 'on_product_changed' ) );
		add_action( 'woocommerce_product_set_stock_status', array( __CLASS__, 'on_product_changed' ) );
	}

	/**
	 * Published (first time public, or "future" published by WP-Cron), updated (an edit of a public item), or
	 * unpublished (a public item given a password: its queued posts would link to a locked page).
	 *
	 * @param int          $post_id     The post.
	 * @param WP_Post      $post        The post as saved.
	 * @param bool         $update      Whether it existed before.
	 * @param WP_Post|null $post_before The post before this save, null for a new one.
	 */
	public static function on_after_insert_post( $post_id, $post, $update, $post_before ) {
		// The block editor saves classic meta boxes in a second request right after its own: the same edit again.
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- only tells which request this is; post.php checked its nonce.
		if ( isset( $_GET['meta-box-loader'] ) ) {
			return;
		}
		$was_public = $post_before instanceof WP_Post && self::is_public( $post_before );
		if ( self::is_public( $post ) ) {
			$type = $was_public ? 'item.updated' : 'item.published';
			if ( 'product' === $post->post_type ) {
				self::defer( $post->ID, $type );
			} else {
				self::emit( $type, $post );
			}
		} elseif ( $was_public && 'publish' === $post->post_status && self::is_known( $post ) ) {
			self::emit( 'item.unpublished', $post );
		}
	}

	/**
	 * A product changed through WooCommerce (its update, a stock quantity, a stock status): item.updated, once per
	 * request, built when the request ends.
	 *
	 * @param int|WC_Product $product The product or its ID (the hooks pass one or the other first).
	 */
	public static function on_product_changed( $product ) {
		$post = get_post( is_object( $product ) && method_exists( $product, 'get_id' ) ? $product->get_id() : (int) $product );
		if ( $post && 'product' === $post->post_type && self::is_public( $post ) ) {
			self::defer( $post->ID, 'item.updated' );
		}
	}

	/**
	 * Builds the products' events from what they are now, right before the outbox sends (shutdown, priority 5).
	 */
	public static function emit_deferred() {
		$deferred       = self::$deferred;
		self::$deferred = array();
		foreach ( $deferred as $post_id => $type ) {
			$post = get_post( $post_id );
			if ( $post && self::is_public( $post ) ) {
				self::emit( $type, $post );
			}
		}
	}

	/**
	 * Rebuilds a kept event from its item as it is now (a retry after a refusal: the item may have been fixed since);
	 * same type, when it happened, an item.share's occurrence and timing, an item.deleted's status.
	 *
	 * @param array $stored The event as kept.
	 * @return array|null The new event; null when the item no longer exists.
	 */
	public static function rebuild( array $stored ) {
		$post = get_post( (int) ( $stored['item']['id'] ?? 0 ) );
		if ( ! $post || ! in_array( $stored['type'] ?? '', Postflow_Payload::TYPES, true ) ) {
			return null;
		}
		$share = Postflow_Share_Settings::for_post( $post->ID );
		if ( 'item.share' === $stored['type'] ) {
			$share = array_merge(
				$share,
				array(
					'enabled'    => true,
					'timing'     => $stored['share']['timing'] ?? $share['timing'],
					'occurrence' => $stored['share']['occurrence'] ?? '1',
				)
			);
		}
		$overrides = 'item.deleted' === $stored['type'] ? array( 'status' => (string) ( $stored['item']['status'] ?? 'trash' ) ) : array();
		$occurred  = strtotime( (string) ( $stored['occurred_at'] ?? '' ) );
		return Postflow_Payload::event( $stored['type'], $post, $share, $occurred ? $occurred : time(), $overrides );
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
		if ( ! self::should_emit( $type, $post ) ) {
			return;
		}
		$event       = Postflow_Payload::event( $type, $post, $share ? $share : Postflow_Share_Settings::for_post( $post->ID ), time(), $overrides );
		$publication = 'item.published' === $type ? Postflow_Share_Settings::next_publication( $post->ID ) : 1;
		$event_id    = Postflow_Signer::event_id( home_url(), (string) $post->ID, $type, Postflow_Payload::discriminator( $type, $event, $publication ) );
		update_post_meta( $post->ID, Postflow_Share_Settings::KNOWN, 1 );
		Postflow_Outbox::enqueue( $event_id, $event, $post->ID );
	}

	/**
	 * Whether this event goes out: not while an importer runs (an import would flood the networks with old items),
	 * and as the postflow_should_emit filter says.
	 *
	 * @param string  $type The event type.
	 * @param WP_Post $post The item.
	 * @return bool
	 */
	private static function should_emit( $type, $post ) {
		if ( defined( 'WP_IMPORTING' ) && WP_IMPORTING ) {
			return false;
		}
		/**
		 * Filters whether PostFlow hears of an event of an item.
		 *
		 * @param bool    $emit Whether to send it; true unless an import runs.
		 * @param string  $type The event type, as item.published.
		 * @param WP_Post $post The item.
		 */
		return (bool) apply_filters( 'postflow_should_emit', true, $type, $post );
	}

	/**
	 * Keeps a product's event for the end of the request; an item.published stays one when an update follows.
	 *
	 * @param int    $post_id The product.
	 * @param string $type    item.published or item.updated.
	 */
	private static function defer( $post_id, $type ) {
		if ( ! self::$deferred ) {
			add_action( 'shutdown', array( __CLASS__, 'emit_deferred' ), 5 );
		}
		if ( 'item.published' !== ( self::$deferred[ $post_id ] ?? '' ) ) {
			self::$deferred[ $post_id ] = $type;
		}
	}

	/**
	 * Whether an item is public to PostFlow: tracked and published.
	 *
	 * @param WP_Post $post The post.
	 * @return bool
	 */
	private static function is_public( $post ) {
		return self::is_tracked( $post ) && 'publish' === $post->post_status;
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
