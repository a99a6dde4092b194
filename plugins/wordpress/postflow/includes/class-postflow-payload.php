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

	/** Events that make no posts: their channel_ids would only be checked (and refused when stale), never used. */
	const NO_POSTS = array( 'item.updated', 'item.unpublished', 'item.deleted' );

	/**
	 * Lengths kept, in UTF-16 code units as PostFlow counts them (plugins/wordpress/src/payload.ts), a little under
	 * its limits (title 1000, excerpt 10000, author, names and SKU 200, alt 1000): a refused event is lost.
	 */
	const TITLE_MAX   = 990;
	const EXCERPT_MAX = 9900;
	const NAME_MAX    = 190;
	const ALT_MAX     = 990;

	/** An excerpt made from the content: wp_trim_words keeps a text without spaces (Chinese, Japanese) whole. */
	const AUTO_EXCERPT_MAX = 600;

	/** PostFlow's counts: gallery images, and categories and tags each. */
	const GALLERY_MAX = 50;
	const MESSAGE_MAX = 5000;
	const TERMS_MAX   = 100;

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
		if ( in_array( $type, self::NO_POSTS, true ) ) {
			$share['channel_ids'] = array();
		}
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
				$image = count( $gallery ) < self::GALLERY_MAX ? self::image( (int) $gallery_id ) : null;
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
			'title'        => self::clamp( self::text( $post->post_title ), self::TITLE_MAX ),
			'excerpt'      => self::excerpt( $post ),
			'url'          => (string) get_permalink( $post ),
			'image'        => self::image( $image_id ),
			'gallery'      => $gallery,
			'categories'   => self::term_names( $post, $is_product ? 'product_cat' : 'category' ),
			'tags'         => self::term_names( $post, $is_product ? 'product_tag' : 'post_tag' ),
			'author'       => self::clamp( self::text( (string) get_the_author_meta( 'display_name', (int) $post->post_author ) ), self::NAME_MAX ),
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
				$messages[ (string) $network ] = self::clamp( $message, self::MESSAGE_MAX );
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
		if ( 'item.updated' === $type && ! empty( $event['item']['product'] ) ) {
			// A stock change writes meta alone and leaves modified_at as it was: what the product is now tells it apart.
			return $event['item']['modified_at'] . '-' . substr( sha1( (string) wp_json_encode( $event['item'] ) ), 0, 12 );
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
			'sku'            => self::clamp( (string) $product->get_sku(), self::NAME_MAX ),
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
			'alt'    => self::clamp( self::text( (string) get_post_meta( $attachment_id, '_wp_attachment_image_alt', true ) ), self::ALT_MAX ),
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
					return self::clamp( self::text( $term->name ), self::NAME_MAX );
				},
				array_slice( $terms, 0, self::TERMS_MAX )
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
			return self::clamp( self::text( $post->post_excerpt ), self::EXCERPT_MAX );
		}
		$content = self::text( strip_shortcodes( excerpt_remove_blocks( $post->post_content ) ) );
		return self::clamp( wp_trim_words( $content, 55, '…' ), self::AUTO_EXCERPT_MAX );
	}

	/**
	 * A text cut to at most $max UTF-16 code units (what JavaScript's length and zod count: a character outside the
	 * Basic Multilingual Plane, an emoji say, counts two), never inside a character; "…" ends a cut text.
	 *
	 * @param string $text The text, UTF-8.
	 * @param int    $max  The most UTF-16 code units kept.
	 * @return string
	 */
	public static function clamp( $text, $max ) {
		$text = (string) $text;
		if ( strlen( $text ) <= $max ) {
			return $text; // Every UTF-8 byte sequence is at least as long as its UTF-16 form.
		}
		$kept  = '';
		$units = 0;
		foreach ( mb_str_split( $text, 1, 'UTF-8' ) as $character ) {
			$width = strlen( $character ) >= 4 ? 2 : 1;
			if ( $units + $width > $max - 1 ) {
				return $kept . '…';
			}
			$kept  .= $character;
			$units += $width;
		}
		return $kept;
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
