<?php
/**
 * The editor panel's choices for one item, kept in post meta (registered for the REST API and the block editor).
 *
 * @package PostFlow
 */

defined( 'ABSPATH' ) || exit;

/**
 * Post meta of the panel: share or not, timing, channels, a message per network; the share occurrence counter.
 */
final class Postflow_Share_Settings {

	const ENABLED    = '_postflow_share_enabled';
	const TIMING     = '_postflow_timing';
	const AT         = '_postflow_at';
	const CHANNELS   = '_postflow_channels';
	const MESSAGES   = '_postflow_messages';
	const OCCURRENCE = '_postflow_share_occurrence';
	const KNOWN      = '_postflow_known';
	const PUBLISHED  = '_postflow_publications';

	/** PostFlow's network names (src/domain/platforms.ts), the keys of the per-network messages. */
	const NETWORKS = array( 'MASTODON', 'TELEGRAM', 'WEBHOOK', 'X', 'LINKEDIN', 'INSTAGRAM', 'FACEBOOK', 'THREADS', 'BLUESKY', 'DISCORD', 'PINTEREST', 'VK' );

	/** The longest custom message kept; PostFlow fits it to each network. */
	const MESSAGE_MAX = 5000;

	/**
	 * The post types whose items become events.
	 *
	 * @return string[]
	 */
	public static function post_types() {
		/**
		 * Filters the post types PostFlow shares.
		 *
		 * @param string[] $types Post type names; "product" only matters with WooCommerce.
		 */
		return (array) apply_filters( 'postflow_post_types', array( 'post', 'product' ) );
	}

	/**
	 * Registers the meta for every shared post type (on init).
	 */
	public static function register() {
		$message_properties = array();
		foreach ( self::NETWORKS as $network ) {
			$message_properties[ $network ] = array( 'type' => 'string' );
		}
		$fields = array(
			self::ENABLED  => array(
				'type'              => 'boolean',
				'default'           => true,
				'sanitize_callback' => 'rest_sanitize_boolean',
				'show_in_rest'      => true,
			),
			self::TIMING   => array(
				'type'              => 'string',
				'default'           => 'QUEUE',
				'sanitize_callback' => array( __CLASS__, 'sanitize_timing' ),
				'show_in_rest'      => array(
					'schema' => array(
						'type' => 'string',
						'enum' => array( 'QUEUE', 'NOW', 'AT' ),
					),
				),
			),
			self::AT       => array(
				'type'              => 'string',
				'default'           => '',
				'sanitize_callback' => array( __CLASS__, 'sanitize_at' ),
				'show_in_rest'      => true,
			),
			self::CHANNELS => array(
				'type'              => 'array',
				'default'           => array(),
				'sanitize_callback' => array( __CLASS__, 'sanitize_channels' ),
				'show_in_rest'      => array(
					'schema' => array(
						'type'  => 'array',
						'items' => array( 'type' => 'string' ),
					),
				),
			),
			self::MESSAGES => array(
				'type'              => 'object',
				'default'           => array(),
				'sanitize_callback' => array( __CLASS__, 'sanitize_messages' ),
				'show_in_rest'      => array(
					'schema' => array(
						'type'                 => 'object',
						'properties'           => $message_properties,
						'additionalProperties' => false,
					),
				),
			),
		);
		foreach ( self::post_types() as $post_type ) {
			foreach ( $fields as $key => $args ) {
				register_post_meta(
					$post_type,
					$key,
					array_merge(
						$args,
						array(
							'single'        => true,
							'auth_callback' => array( __CLASS__, 'can_edit' ),
						)
					)
				);
			}
		}
	}

	/**
	 * Meta may be changed by whoever may edit the post.
	 *
	 * @param bool   $allowed  Ignored.
	 * @param string $meta_key Ignored.
	 * @param int    $post_id  The post.
	 * @return bool
	 */
	public static function can_edit( $allowed, $meta_key, $post_id ) {
		return current_user_can( 'edit_post', $post_id );
	}

	/**
	 * The panel's choices for a post, defaults filled in.
	 *
	 * @param int $post_id The post.
	 * @return array
	 */
	public static function for_post( $post_id ) {
		$enabled  = get_post_meta( $post_id, self::ENABLED, true );
		$messages = get_post_meta( $post_id, self::MESSAGES, true );
		$channels = get_post_meta( $post_id, self::CHANNELS, true );
		return array(
			// WordPress keeps false as "": only a missing row means "never chosen", which is on.
			'enabled'     => metadata_exists( 'post', $post_id, self::ENABLED ) ? rest_sanitize_boolean( $enabled ) : true,
			'timing'      => self::sanitize_timing( get_post_meta( $post_id, self::TIMING, true ) ),
			'at'          => self::sanitize_at( get_post_meta( $post_id, self::AT, true ) ),
			'channel_ids' => self::sanitize_channels( $channels ),
			'messages'    => self::sanitize_messages( $messages ),
		);
	}

	/**
	 * The next share occurrence of a post (1, 2, 3...), counted in its meta.
	 *
	 * @param int $post_id The post.
	 * @return int
	 */
	public static function next_occurrence( $post_id ) {
		$next = (int) get_post_meta( $post_id, self::OCCURRENCE, true ) + 1;
		update_post_meta( $post_id, self::OCCURRENCE, $next );
		return $next;
	}

	/**
	 * The next publication of a post (1, 2, 3...): each item.published of it counts one, counted in its meta.
	 *
	 * @param int $post_id The post.
	 * @return int
	 */
	public static function next_publication( $post_id ) {
		$next = (int) get_post_meta( $post_id, self::PUBLISHED, true ) + 1;
		update_post_meta( $post_id, self::PUBLISHED, $next );
		return $next;
	}

	/**
	 * QUEUE, NOW or AT; anything else is QUEUE.
	 *
	 * @param mixed $value The value given.
	 * @return string
	 */
	public static function sanitize_timing( $value ) {
		return in_array( $value, array( 'QUEUE', 'NOW', 'AT' ), true ) ? $value : 'QUEUE';
	}

	/**
	 * An instant as ISO 8601 UTC ("" when not one). A time without an offset is the site's local time.
	 *
	 * @param mixed $value The value given.
	 * @return string
	 */
	public static function sanitize_at( $value ) {
		if ( ! is_string( $value ) || '' === trim( $value ) ) {
			return '';
		}
		$value = trim( $value );
		if ( ! preg_match( '/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/', $value ) ) {
			return '';
		}
		try {
			$has_zone = (bool) preg_match( '/(Z|[+-]\d{2}:\d{2})$/', $value );
			$instant  = new DateTimeImmutable( $value, $has_zone ? null : wp_timezone() );
		} catch ( Exception $e ) {
			return '';
		}
		return $instant->setTimezone( new DateTimeZone( 'UTC' ) )->format( 'Y-m-d\TH:i:s\Z' );
	}

	/**
	 * Channel ids: PostFlow's, which are UUIDs (as zod's z.uuid() takes them), lower case, no duplicates, at most 50.
	 * Anything else would have PostFlow refuse the whole event.
	 *
	 * @param mixed $value The value given.
	 * @return string[]
	 */
	public static function sanitize_channels( $value ) {
		$ids = array();
		foreach ( is_array( $value ) ? $value : array() as $id ) {
			if ( is_string( $id ) && preg_match( '/^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i', trim( $id ) ) ) {
				$ids[] = strtolower( trim( $id ) );
			}
		}
		return array_slice( array_values( array_unique( $ids ) ), 0, 50 );
	}

	/**
	 * Messages by network: known networks only, plain text kept as typed (it goes out as JSON and is escaped where it
	 * is shown: "I <3 this" stays so), valid UTF-8 without control characters other than new lines and tabs, capped.
	 *
	 * @param mixed $value The value given.
	 * @return array<string, string>
	 */
	public static function sanitize_messages( $value ) {
		$messages = array();
		foreach ( is_array( $value ) ? $value : array() as $network => $message ) {
			if ( ! in_array( $network, self::NETWORKS, true ) || ! is_string( $message ) ) {
				continue;
			}
			$message = preg_replace( '/[\x00-\x08\x0B-\x1F\x7F]/', '', wp_check_invalid_utf8( str_replace( "\r\n", "\n", $message ), true ) );
			if ( '' !== trim( $message ) ) {
				$messages[ $network ] = Postflow_Payload::clamp( $message, self::MESSAGE_MAX );
			}
		}
		return $messages;
	}
}
