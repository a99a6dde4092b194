<?php
/**
 * The body of POST /wordpress/events: what PostFlow's templates need about one item, as the contract names it.
 *
 * @package PostFlow
 */

defined( 'ABSPATH' ) || exit;

/**
 * Builds an event from a post (and its WooCommerce product). Calls only a few WordPress functions, which the PHPUnit
 * bootstrap stands in for.
 */
final class Postflow_Payload {

	/** Event types the contract knows. */
	const TYPES = array( 'item.published', 'item.updated', 'item.unpublished', 'item.deleted', 'item.share' );

	/**
	 * The whole event.
	 *
	 * @param string  $type        One of self::TYPES.
	 * @param WP_Post $post        The item.
	 * @param array   $share       The editor panel's choices (Postflow_Share_Settings::for_post).
	 * @param int     $occurred_at Unix seconds when WordPress saw it.
	 * @param array   $overrides   Item fields known better by the caller (e.g. status "trash" before it is saved).
	 * @return array
	 */
	public static function event( $type, $post, array $share, $occurred_at, array $overrides = array() ) {
		return array(
			'type'        => $type,
			'occurred_at' => self::iso( $occurred_at ),
			'item'        => array_merge( self::item( $post ), $overrides ),
			'share'       => self::share( $share ),
		);
	}

	/**
	 * The item's fields.
	 *
	 * @param WP_Post $post The item.
	 * @return array
	 */
	public static function item( $post ) {
		$is_product = 'product' === $post->post_type;
		$product    = $is_product && function_exists( 'wc_get_product' ) ? wc_get_product( $post->ID ) : null;
		$image_id   = $product ? (int) $product->get_image_id() : (int) get_post_thumbnail_id( $post );
		$gallery    = array();
		if ( $product ) {
			foreach ( $product->get_gallery_image_ids() as $gallery_id ) {
				$image = self::image( (int) $gallery_id );
				if ( $image ) {
					$gallery[] = array(
						'url' => $image['url'],
						'alt' => $image['alt'],
					);
				}
			}
		}
		$published = '0000-00-00 00:00:00' === $post->post_date_gmt || 'publish' !== $post->post_status ? null : self::iso_gmt( $post->post_date_gmt );
		return array(
			'id'           => (string) $post->ID,
			'post_type'    => $post->post_type,
			'title'        => self::text( $post->post_title ),
			'excerpt'      => self::excerpt( $post ),
			'url'          => (string) get_permalink( $post ),
			'image'        => self::image( $image_id ),
			'gallery'      => $gallery,
			'categories'   => self::term_names( $post, $is_product ? 'product_cat' : 'category' ),
			'tags'         => self::term_names( $post, $is_product ? 'product_tag' : 'post_tag' ),
			'author'       => self::text( (string) get_the_author_meta( 'display_name', (int) $post->post_author ) ),
			'status'       => $post->post_status,
			'published_at' => $published,
			'modified_at'  => self::iso_gmt( $post->post_modified_gmt ),
			'product'      => $product ? self::product( $product ) : null,
		);
	}

	/**
	 * The share block: the panel's choices, in the contract's shape.
	 *
	 * @param array $share enabled, timing, at, channel_ids, messages, and occurrence for item.share.
	 * @return array
	 */
	public static function share( array $share ) {
		$timing = in_array( $share['timing'] ?? '', array( 'QUEUE', 'NOW', 'AT' ), true ) ? $share['timing'] : 'QUEUE';
		if ( 'AT' === $timing && empty( $share['at'] ) ) {
			$timing = 'QUEUE'; // "At a time" chosen without the time: the source rules' timing, as if untouched.
		}
		$messages = array();
		foreach ( (array) ( $share['messages'] ?? array() ) as $network => $message ) {
			if ( is_string( $message ) && '' !== trim( $message ) ) {
				$messages[ (string) $network ] = $message;
			}
		}
		$result = array(
			'enabled'     => (bool) ( $share['enabled'] ?? true ),
			'timing'      => $timing,
			'at'          => 'AT' === $timing && ! empty( $share['at'] ) ? (string) $share['at'] : null,
			'channel_ids' => array_values( array_map( 'strval', (array) ( $share['channel_ids'] ?? array() ) ) ),
			// An object even when empty: PHP would encode an empty array as [].
			'messages'    => (object) $messages,
		);
		if ( isset( $share['occurrence'] ) ) {
			$result['occurrence'] = (string) $share['occurrence'];
		}
		return $result;
	}

	/**
	 * The idempotency key's last part: what makes this event of this item distinct.
	 *
	 * A re-publication (publish, unpublish, publish again) needs a key of its own, or PostFlow would answer it as a
	 * DUPLICATE of the first and keep the item unpublished; the first keeps the plain "published" of the contract.
	 *
	 * @param string $type        The event type.
	 * @param array  $event       The event built by self::event().
	 * @param int    $publication For item.published: which publication of the item this is (1, 2, 3...).
	 * @return string
	 */
	public static function discriminator( $type, array $event, $publication = 1 ) {
		if ( 'item.published' === $type ) {
			return $publication > 1 ? 'published-' . (int) $publication : 'published';
		}
		if ( 'item.share' === $type ) {
			return (string) $event['share']['occurrence'];
		}
		return (string) $event['item']['modified_at'];
	}

	/**
	 * A WooCommerce product's commercial fields, through WC_Product's own getters.
	 *
	 * @param WC_Product $product The product.
	 * @return array
	 */
	private static function product( $product ) {
		$quantity = $product->get_stock_quantity();
		return array(
			'price'          => (string) $product->get_price(),
			'regular_price'  => (string) $product->get_regular_price(),
			'sale_price'     => (string) $product->get_sale_price(),
			'currency'       => function_exists( 'get_woocommerce_currency' ) ? (string) get_woocommerce_currency() : '',
			'sku'            => (string) $product->get_sku(),
			'in_stock'       => (bool) $product->is_in_stock(),
			'stock_quantity' => null === $quantity ? null : (int) $quantity,
		);
	}

	/**
	 * An attachment as the contract's image, or null.
	 *
	 * @param int $attachment_id The attachment's ID, 0 for none.
	 * @return array|null
	 */
	private static function image( $attachment_id ) {
		if ( $attachment_id <= 0 ) {
			return null;
		}
		$source = wp_get_attachment_image_src( $attachment_id, 'full' );
		if ( ! $source ) {
			return null;
		}
		return array(
			'url'    => (string) $source[0],
			'alt'    => self::text( (string) get_post_meta( $attachment_id, '_wp_attachment_image_alt', true ) ),
			// Unknown sizes (an SVG, say) are null, not 0.
			'width'  => $source[1] > 0 ? (int) $source[1] : null,
			'height' => $source[2] > 0 ? (int) $source[2] : null,
		);
	}

	/**
	 * The names of the item's terms in one taxonomy.
	 *
	 * @param WP_Post $post     The item.
	 * @param string  $taxonomy The taxonomy.
	 * @return string[]
	 */
	private static function term_names( $post, $taxonomy ) {
		$terms = get_the_terms( $post, $taxonomy );
		if ( ! is_array( $terms ) ) {
			return array();
		}
		return array_values(
			array_map(
				function ( $term ) {
					return self::text( $term->name );
				},
				$terms
			)
		);
	}

	/**
	 * The excerpt as plain text: the author's, or the first 55 words of the content.
	 *
	 * @param WP_Post $post The item.
	 * @return string
	 */
	private static function excerpt( $post ) {
		if ( '' !== trim( $post->post_excerpt ) ) {
			return self::text( $post->post_excerpt );
		}
		$content = self::text( strip_shortcodes( excerpt_remove_blocks( $post->post_content ) ) );
		return wp_trim_words( $content, 55, '…' );
	}

	/**
	 * Plain text: tags stripped, entities decoded, white space collapsed.
	 *
	 * @param string $html Text that may hold HTML.
	 * @return string
	 */
	public static function text( $html ) {
		$text = html_entity_decode( wp_strip_all_tags( (string) $html ), ENT_QUOTES | ENT_HTML5, 'UTF-8' );
		return trim( preg_replace( '/\s+/u', ' ', $text ) );
	}

	/**
	 * ISO 8601 UTC of a Unix time.
	 *
	 * @param int $time Unix seconds.
	 * @return string
	 */
	public static function iso( $time ) {
		return gmdate( 'Y-m-d\TH:i:s\Z', (int) $time );
	}

	/**
	 * ISO 8601 UTC of a GMT MySQL datetime (post_date_gmt and friends).
	 *
	 * @param string $datetime "Y-m-d H:i:s" in UTC.
	 * @return string|null
	 */
	private static function iso_gmt( $datetime ) {
		if ( '' === (string) $datetime || '0000-00-00 00:00:00' === $datetime ) {
			return null;
		}
		return str_replace( ' ', 'T', $datetime ) . 'Z';
	}
}
